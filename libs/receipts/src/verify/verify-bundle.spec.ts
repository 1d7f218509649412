import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256, solidityPackedKeccak256, toUtf8Bytes, TypedDataEncoder, Wallet } from 'ethers';
import canonicalize from 'canonicalize';
import type { ProofBundle } from '../bundle';
import { commitText, newReceiptSalt } from '../receipt-hashes';
import { RECEIPT_DOMAINS, receiptTypes } from '../receipt.spec-types';
import { verifyBundle } from './verify-bundle';
import type { CheckResult } from './verification.types';

// The fixture was signed by the v1 code with these fixed keys (test-fixtures/README.md).
const NODE_KEY = `0x${'11'.repeat(32)}`;
const OTHER_KEY = `0x${'33'.repeat(32)}`;
const FIXTURE_CA = '0x1563915e194D8CfBA1943570603F7606A3115508';
const SALT = `0x${'5a'.repeat(32)}`;

const fixture = (name: string): ProofBundle =>
  JSON.parse(readFileSync(join(__dirname, `../../test-fixtures/${name}`), 'utf8')) as ProofBundle;
const v1Fixture = (): ProofBundle => fixture('v1-bundle.json');

const options = {
  attestationPolicy: { now: new Date(), devAuthorities: [FIXTURE_CA], allowedMeasurements: null },
};

const statusOf = (checks: CheckResult[], name: CheckResult['check']) =>
  checks.find((check) => check.check === name)?.status;

/** The fixture's reply as a v2 receipt, its commitments computed independently of the library (docs/receipts.md). */
async function v2Bundle(): Promise<ProofBundle> {
  const bundle = v1Fixture();
  const receipt = {
    ...bundle.receipt,
    outputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, bundle.content]),
    inputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, canonicalize(bundle.input)]),
  };
  const domain = { name: 'Twinproof', version: '2' };
  return {
    ...bundle,
    domain,
    receipt,
    salt: SALT,
    digest: TypedDataEncoder.hash(domain, receiptTypes(2), receipt),
    signature: await new Wallet(NODE_KEY).signTypedData(domain, receiptTypes(2), receipt),
  };
}

// v3's EIP-712 type as docs/receipts.md writes it, not the library's: a field out of order must fail these tests.
const V3_TYPES = {
  Receipt: [
    ...v1Fixture().types.Receipt,
    { name: 'prefixNode', type: 'address' },
    { name: 'prefixHash', type: 'bytes32' },
  ],
};
const PREFIX_NODE = '0x2222222222222222222222222222222222222222';

/**
 * The fixture's reply as a v3 receipt: made by one node (prefix fields zero), or taken over from PREFIX_NODE after
 * the content's first `prefixBytes` UTF-8 bytes, which prefixHash commits to with the finishing node's salt.
 */
async function v3Bundle(prefixBytes?: number): Promise<ProofBundle> {
  const bundle = await v2Bundle();
  const prefix = prefixBytes
    ? Buffer.from(bundle.content!, 'utf8').subarray(0, prefixBytes).toString('utf8')
    : null;
  const receipt = {
    ...bundle.receipt,
    prefixNode: prefix === null ? `0x${'00'.repeat(20)}` : PREFIX_NODE,
    prefixHash:
      prefix === null
        ? `0x${'00'.repeat(32)}`
        : solidityPackedKeccak256(['bytes32', 'string'], [SALT, prefix]),
  };
  const domain = { name: 'Twinproof', version: '3' };
  return {
    ...bundle,
    domain,
    types: V3_TYPES,
    receipt,
    digest: TypedDataEncoder.hash(domain, V3_TYPES, receipt),
    signature: await new Wallet(NODE_KEY).signTypedData(domain, V3_TYPES, receipt),
    ...(prefixBytes ? { takeover: { prefixBytes } } : {}),
  };
}

describe('verifyBundle: receipt versions and signers', () => {
  it('verifies a v1 receipt (unsalted hashes, domain version 1) as v1', async () => {
    const bundle = v1Fixture();
    expect(bundle.domain).toEqual({ name: 'Twinproof', version: '1' });
    expect(bundle.salt).toBeUndefined();
    const verification = await verifyBundle(bundle, options);
    expect(verification.ok).toBe(true);
    expect(verification.checks.filter((c) => c.status === 'pass').map((c) => c.check)).toEqual([
      'receipt-digest',
      'signature',
      'attestation',
      'output-hash',
      'input-hash',
    ]);
    expect(verification.checks[0].detail).toMatch(/^v1 receipt/);
  });

  it('still checks a v1 receipt’s unsalted content hashes', async () => {
    const bundle = v1Fixture();
    bundle.content = `${bundle.content}!`;
    (bundle.input as { content: string }[])[1].content += '!';
    const { checks } = await verifyBundle(bundle, options);
    expect(statusOf(checks, 'output-hash')).toBe('fail');
    expect(statusOf(checks, 'input-hash')).toBe('fail');
  });

  it('verifies a v2 receipt fully with its salt', async () => {
    const verification = await verifyBundle(await v2Bundle(), options);
    expect(verification.ok).toBe(true);
    expect(statusOf(verification.checks, 'output-hash')).toBe('pass');
    expect(statusOf(verification.checks, 'input-hash')).toBe('pass');
    expect(verification.checks[0].detail).toMatch(/^v2 receipt/);
  });

  it('skips, never passes, a v2 receipt’s content commitments without the salt', async () => {
    const bundle = await v2Bundle();
    delete bundle.salt;
    const verification = await verifyBundle(bundle, options);
    expect(verification.ok).toBe(true);
    expect(verification.complete).toBe(false);
    for (const check of ['output-hash', 'input-hash'] as const)
      expect(verification.checks.find((c) => c.check === check)).toMatchObject({
        status: 'skip',
        detail: expect.stringMatching(/salt/),
      });
  });

  it('fails a v2 receipt whose content, input or salt was changed', async () => {
    const tampers: [CheckResult['check'][], (b: ProofBundle) => void][] = [
      [['output-hash'], (b) => (b.content = `${b.content} `)],
      [['input-hash'], (b) => ((b.input as { content: string }[])[0].content += ' ')],
      [['output-hash', 'input-hash'], (b) => (b.salt = `0x${'5b'.repeat(32)}`)],
      [['output-hash', 'input-hash'], (b) => (b.salt = '0x1234')],
      // Unsalted hashes of the same content are exactly what v2 no longer accepts.
      [['output-hash'], (b) => (b.receipt.outputHash = keccak256(toUtf8Bytes(b.content!)))],
    ];
    for (const [failing, tamper] of tampers) {
      const bundle = await v2Bundle();
      tamper(bundle);
      const { checks } = await verifyBundle(bundle, options);
      for (const check of failing)
        expect({ check, status: statusOf(checks, check) }).toEqual({
          check,
          status: 'fail',
        });
    }
  });

  it('fails a receipt re-signed by another wallet: a valid signature, by the wrong signer', async () => {
    for (const make of [v1Fixture, v2Bundle, () => v3Bundle(), () => v3Bundle(10)]) {
      const bundle = await make();
      const other = new Wallet(OTHER_KEY);
      bundle.signature = await other.signTypedData(bundle.domain, bundle.types, bundle.receipt);
      const { checks } = await verifyBundle(bundle, options);
      expect(checks.find((c) => c.check === 'signature')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(other.address),
      });
      // Claiming the other wallet as the bundle's signer does not help: the receipt names its node.
      bundle.signer = other.address;
      expect(statusOf((await verifyBundle(bundle, options)).checks, 'signature')).toBe('fail');
    }
  });

  it('fails a receipt relabelled with another version’s domain', async () => {
    const v1 = v1Fixture();
    v1.domain = RECEIPT_DOMAINS[2];
    v1.digest = TypedDataEncoder.hash(v1.domain, receiptTypes(2), v1.receipt);
    expect((await verifyBundle(v1, options)).ok).toBe(false);
    expect(statusOf((await verifyBundle(v1, options)).checks, 'signature')).toBe('fail');
    const v2 = await v2Bundle();
    v2.domain = RECEIPT_DOMAINS[1];
    v2.digest = TypedDataEncoder.hash(v2.domain, receiptTypes(1), v2.receipt);
    expect(statusOf((await verifyBundle(v2, options)).checks, 'signature')).toBe('fail');
    // A v3 receipt sold as v2 (its prefix fields then unsigned, so a takeover could be hidden) fails too.
    const v3 = await v3Bundle(10);
    v3.domain = RECEIPT_DOMAINS[2];
    v3.digest = TypedDataEncoder.hash(v3.domain, receiptTypes(2), v3.receipt);
    expect(statusOf((await verifyBundle(v3, options)).checks, 'signature')).toBe('fail');
    const unknown = v1Fixture();
    unknown.domain = { name: 'Twinproof', version: '4' };
    expect((await verifyBundle(unknown, options)).checks).toEqual([
      expect.objectContaining({ check: 'receipt-digest', status: 'fail' }),
    ]);
  });
});

describe('verifyBundle: v2 bundles after v3', () => {
  it('verifies the v2 bundle signed before v3 existed exactly as before: no prefix check', async () => {
    const bundle = fixture('v2-bundle.json');
    expect(bundle.domain).toEqual({ name: 'Twinproof', version: '2' });
    const verification = await verifyBundle(bundle, options);
    expect(verification.ok).toBe(true);
    expect(verification.checks.filter((c) => c.status === 'pass').map((c) => c.check)).toEqual([
      'receipt-digest',
      'signature',
      'attestation',
      'output-hash',
      'input-hash',
    ]);
    expect(verification.checks[0].detail).toMatch(/^v2 receipt/);
  });

  it('fails a v1 or v2 bundle that claims a takeover its receipt does not sign', async () => {
    for (const bundle of [v1Fixture(), fixture('v2-bundle.json')]) {
      bundle.takeover = { prefixBytes: 5 };
      expect(statusOf((await verifyBundle(bundle, options)).checks, 'prefix-hash')).toBe('fail');
    }
  });
});

describe('verifyBundle: v3 receipts and takeovers', () => {
  it('verifies a v3 receipt of one node: zero prefix fields, a passing prefix check', async () => {
    const verification = await verifyBundle(await v3Bundle(), options);
    expect(verification.ok).toBe(true);
    expect(verification.checks[0].detail).toMatch(/^v3 receipt/);
    expect(verification.checks.find((c) => c.check === 'prefix-hash')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/one node/),
    });
  });

  it('verifies a taken-over reply: outputHash covers the whole text, prefixHash its first prefixBytes', async () => {
    const bundle = await v3Bundle(10);
    const verification = await verifyBundle(bundle, options);
    expect(verification.ok).toBe(true);
    expect(verification.checks.filter((c) => c.status === 'pass').map((c) => c.check)).toEqual([
      'receipt-digest',
      'signature',
      'attestation',
      'output-hash',
      'input-hash',
      'prefix-hash',
    ]);
    expect(verification.checks.find((c) => c.check === 'prefix-hash')?.detail).toBe(
      `taken over from node ${PREFIX_NODE} after 10 bytes: ${bundle.receipt.node} signed the whole reply, committing to that prefix`,
    );
  });

  it('fails a takeover whose stated prefix is not the one signed, or is no prefix of the content', async () => {
    const tampers: [string, (b: ProofBundle) => void][] = [
      ['one byte shorter', (b) => (b.takeover = { prefixBytes: 9 })],
      ['one byte longer', (b) => (b.takeover = { prefixBytes: 11 })],
      ['past the content', (b) => (b.takeover = { prefixBytes: 10_000 })],
      ['not a number', (b) => (b.takeover = { prefixBytes: '10' as unknown as number })],
      ['no prefixBytes', (b) => delete b.takeover],
      ['prefix edited', (b) => (b.content = `X${b.content!.slice(1)}`)],
    ];
    for (const [why, tamper] of tampers) {
      const bundle = await v3Bundle(10);
      tamper(bundle);
      expect({ why, status: statusOf((await verifyBundle(bundle, options)).checks, 'prefix-hash') }).toEqual({
        why,
        status: 'fail',
      });
    }
  });

  it('fails a prefix cut inside a UTF-8 character', async () => {
    const bundle = await v3Bundle(10);
    bundle.content = `Très ${bundle.content}`;
    bundle.takeover = { prefixBytes: 3 };
    expect((await verifyBundle(bundle, options)).checks.find((c) => c.check === 'prefix-hash')).toMatchObject(
      {
        status: 'fail',
        detail: expect.stringMatching(/no prefix of the content/),
      },
    );
  });

  it('fails a receipt of one node that a bundle says was taken over, and half-set prefix fields', async () => {
    const claimed = await v3Bundle();
    claimed.takeover = { prefixBytes: 10 };
    expect(statusOf((await verifyBundle(claimed, options)).checks, 'prefix-hash')).toBe('fail');
    for (const field of ['prefixNode', 'prefixHash'] as const) {
      const half = await v3Bundle(10);
      const receipt = {
        ...half.receipt,
        [field]: field === 'prefixNode' ? `0x${'00'.repeat(20)}` : `0x${'00'.repeat(32)}`,
      };
      half.receipt = receipt;
      half.digest = TypedDataEncoder.hash(half.domain, V3_TYPES, receipt);
      half.signature = await new Wallet(NODE_KEY).signTypedData(half.domain, V3_TYPES, receipt);
      const { checks } = await verifyBundle(half, options);
      expect({
        field,
        signature: statusOf(checks, 'signature'),
        prefix: statusOf(checks, 'prefix-hash'),
      }).toEqual({ field, signature: 'pass', prefix: 'fail' });
    }
  });

  it('skips, never passes, the prefix of a taken-over reply without the content or salt', async () => {
    const withheld = await v3Bundle(10);
    delete withheld.content;
    delete withheld.takeover;
    const noSalt = await v3Bundle(10);
    delete noSalt.salt;
    for (const bundle of [withheld, noSalt]) {
      const verification = await verifyBundle(bundle, options);
      expect(verification.ok).toBe(true);
      expect(verification.complete).toBe(false);
      expect(verification.checks.find((c) => c.check === 'prefix-hash')).toMatchObject({
        status: 'skip',
        detail: expect.stringContaining(PREFIX_NODE) as string,
      });
    }
  });
});

describe('verifyBundle: attestation labels', () => {
  it('fails a bundle whose stated measurement or kind disagrees with its signed attestation document', async () => {
    const genuine = v1Fixture();
    const signed = genuine.attestation.measurement!;
    // The platform's label may differ in case only: the document's hex is what counts.
    genuine.attestation.measurement = signed.toUpperCase().replace('0X', '0x');
    expect(statusOf((await verifyBundle(genuine, options)).checks, 'attestation')).toBe('pass');
    const zeroed = v1Fixture();
    zeroed.attestation.measurement = `0x${'00'.repeat(32)}`;
    expect((await verifyBundle(zeroed, options)).checks.find((c) => c.check === 'attestation')).toMatchObject(
      {
        status: 'fail',
        detail: expect.stringContaining(`document says ${signed}`),
      },
    );
    for (const kind of ['nitro', 'tdx', 'sgx', 'sev']) {
      const relabelled = v1Fixture();
      relabelled.attestation.kind = kind;
      expect({
        kind,
        status: statusOf((await verifyBundle(relabelled, options)).checks, 'attestation'),
      }).toEqual({
        kind,
        status: 'fail',
      });
    }
  });
});

describe('v2 commitments', () => {
  it('are keccak256(salt ‖ UTF-8 bytes), with a fresh 32-byte salt each time', () => {
    expect(commitText(SALT, 'Oui ✓')).toBe(solidityPackedKeccak256(['bytes32', 'string'], [SALT, 'Oui ✓']));
    const [a, b] = [newReceiptSalt(), newReceiptSalt()];
    expect(a).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(() => commitText('0x12', 'x')).toThrow(TypeError);
  });
});
