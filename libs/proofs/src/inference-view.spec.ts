import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import {
  commitInput,
  commitText,
  ProofBundle,
  Receipt,
  receiptDigest,
  receiptTypes,
  signReceipt,
  verifyBundle,
} from '@app/receipts';
import { receiptVersionOfRecord, toBundle } from './inference-view';
import type { InferenceDetail } from './inferences.repository';

// libs/receipts/test-fixtures/README.md: a v1 bundle signed by node key 0x11…11 under dev CA 0x1563….
const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../receipts/test-fixtures/v1-bundle.json'), 'utf8'),
) as ProofBundle;
const policy = {
  now: new Date(),
  devAuthorities: ['0x1563915e194D8CfBA1943570603F7606A3115508'],
  allowedMeasurements: null,
};

/** The stored record of the fixture's reply, as the repository returns it (only what the view reads). */
function storedReply(node: { measurement: string; document: string }): InferenceDetail {
  return {
    id: fixture.inferenceId,
    status: 'attested',
    salt: null,
    receipt: fixture.receipt,
    digest: fixture.digest,
    signature: fixture.signature,
    signer: fixture.signer,
    input: fixture.input,
    message: { content: fixture.content },
    batch: null,
    totalMs: null,
    node: { attestationKind: 'dev', measurement: node.measurement, attestation: { document: node.document } },
    proofs: [
      {
        kind: 'attestation',
        status: 'verified',
        data: {
          kind: 'dev',
          measurement: fixture.attestation.measurement,
          evidence: { document: fixture.attestation.document },
        },
      },
    ],
  } as unknown as InferenceDetail;
}

describe('toBundle', () => {
  it('labels the attestation with what the checked document says, even after the node re-registered', async () => {
    const reRegistered = storedReply({
      measurement: `0x${'ab'.repeat(32)}`,
      document: '{"newer":"evidence"}',
    });
    const bundle = toBundle(reRegistered, true)!;
    expect(bundle.attestation).toMatchObject({
      kind: 'dev',
      document: fixture.attestation.document,
      measurement: fixture.attestation.measurement,
    });
    const verification = await verifyBundle(bundle, { attestationPolicy: policy });
    expect(verification.checks.find((c) => c.check === 'attestation')).toMatchObject({ status: 'pass' });
  });
});

describe('toBundle: receipt versions', () => {
  const SALT = `0x${'5a'.repeat(32)}`;
  const node = new Wallet(`0x${'11'.repeat(32)}`);
  const document = fixture.attestation.document;

  /** The fixture's reply, signed now as v3: taken over from 0x22…22 after its first 7 bytes when prefixBytes is set. */
  async function storedV3(prefixBytes: number | null): Promise<InferenceDetail> {
    const content = fixture.content!;
    const receipt: Receipt = {
      ...fixture.receipt,
      inputHash: commitInput(SALT, fixture.input),
      outputHash: commitText(SALT, content),
      prefixNode: prefixBytes ? `0x${'22'.repeat(20)}` : `0x${'00'.repeat(20)}`,
      prefixHash: prefixBytes ? commitText(SALT, content.slice(0, prefixBytes)) : `0x${'00'.repeat(32)}`,
    };
    return {
      ...storedReply({ measurement: fixture.attestation.measurement!, document }),
      salt: SALT,
      receipt,
      digest: receiptDigest(receipt, 3),
      signature: await signReceipt(node, receipt),
      prefixBytes,
      prefixNodeId: null,
    } as unknown as InferenceDetail;
  }

  it('tells the version from what was stored: prefixHash means v3, a salt v2, neither v1', async () => {
    expect(receiptVersionOfRecord(await storedV3(null))).toBe(3);
    expect(receiptVersionOfRecord({ salt: SALT, receipt: fixture.receipt as never })).toBe(2);
    expect(receiptVersionOfRecord({ salt: null, receipt: fixture.receipt as never })).toBe(1);
  });

  it('serves a v3 receipt with its own domain and types, and a v1 receipt with v1’s', async () => {
    const v3 = toBundle(await storedV3(null), true)!;
    expect(v3.domain).toEqual({ name: 'Twinproof', version: '3' });
    expect(v3.types).toEqual(receiptTypes(3));
    expect(v3.takeover).toBeUndefined();
    const v1 = toBundle(storedReply({ measurement: fixture.attestation.measurement!, document }), true)!;
    expect(v1.domain).toEqual({ name: 'Twinproof', version: '1' });
    expect(v1.types).toEqual(fixture.types);
  });

  it('states where a taken-over reply’s prefix ends to participants only, and it verifies', async () => {
    const row = await storedV3(7);
    const participant = toBundle(row, true)!;
    expect(participant.takeover).toEqual({ prefixBytes: 7 });
    const verification = await verifyBundle(participant, { attestationPolicy: policy });
    expect(verification.checks.find((c) => c.check === 'prefix-hash')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/after 7 bytes/),
    });
    expect(verification.ok).toBe(true);
    const outsider = toBundle(row, false)!;
    expect(outsider.takeover).toBeUndefined();
    expect(outsider.content).toBeUndefined();
    expect((await verifyBundle(outsider, { attestationPolicy: policy })).ok).toBe(true);
  });
});
