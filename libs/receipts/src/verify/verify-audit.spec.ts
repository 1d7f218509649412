import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { solidityPackedKeccak256, TypedDataEncoder, Wallet } from 'ethers';
import type { ProofBundle } from '../bundle';
import { RECEIPT_DOMAINS, RECEIPT_TYPES } from '../receipt.spec-types';
import { AuditLine, verifyAudit } from './verify-audit';

// test-fixtures/README.md: a bundle signed by the v1 code, node key 0x11…11, dev CA 0x1563….
const NODE_KEY = `0x${'11'.repeat(32)}`;
const FIXTURE_CA = '0x1563915e194D8CfBA1943570603F7606A3115508';
const SALT = `0x${'5a'.repeat(32)}`;
const options = {
  attestationPolicy: { now: new Date(), devAuthorities: [FIXTURE_CA], allowedMeasurements: null },
};

const v1 = (): ProofBundle =>
  JSON.parse(readFileSync(join(__dirname, '../../test-fixtures/v1-bundle.json'), 'utf8')) as ProofBundle;

/** The next turn of the fixture's conversation, signed after the upgrade: a v2 receipt chained to the v1 one. */
async function nextV2(previous: ProofBundle): Promise<ProofBundle> {
  const input = [...(previous.input as object[]), { role: 'user', content: 'And in summer?' }];
  const content = 'Hot, but the sea is close.';
  const receipt = {
    ...previous.receipt,
    inferenceId: '6c1d9f5f-2d3e-4f60-9bac-1d2e3f4a5b6c',
    previousDigest: previous.digest,
    inputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, canonicalize(input)]),
    outputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, content]),
    startedAt: previous.receipt.finishedAt + 1_000,
    finishedAt: previous.receipt.finishedAt + 2_000,
  };
  const domain = RECEIPT_DOMAINS[2];
  return {
    ...previous,
    inferenceId: receipt.inferenceId,
    domain,
    receipt,
    digest: TypedDataEncoder.hash(domain, RECEIPT_TYPES, receipt),
    signature: await new Wallet(NODE_KEY).signTypedData(domain, RECEIPT_TYPES, receipt),
    content,
    input,
    salt: SALT,
  };
}

function exportOf(bundles: ProofBundle[], greeting?: string): AuditLine[] {
  const header: AuditLine = {
    type: 'conversation',
    id: bundles[0].receipt.conversationId,
    personaVersionHash: bundles[0].receipt.personaVersionHash,
  };
  const line = (role: string, content: string, bundle: ProofBundle | null, n: number): AuditLine => ({
    type: 'message',
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    role,
    status: 'complete',
    content,
    inferenceId: bundle?.inferenceId ?? null,
    bundle,
  });
  const messages = bundles.flatMap((bundle, i) => {
    const users = (bundle.input as { role: string; content: string }[]).filter((m) => m.role === 'user');
    return [
      line('user', users.at(-1)!.content, null, 2 * i + 2),
      line('assistant', bundle.content!, bundle, 2 * i + 3),
    ];
  });
  return [header, ...(greeting === undefined ? [] : [line('assistant', greeting, null, 1)]), ...messages];
}

describe('verifyAudit', () => {
  it('chains a v1 receipt and the v2 receipt after it, each digest under its own version', async () => {
    const first = v1();
    const verified = await verifyAudit(exportOf([first, await nextV2(first)]), options);
    expect(verified.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(verified.bundles).toHaveLength(2);
  });

  it('reports a greeting before the first user turn as the persona’s, and an unsigned reply after it as a failure', async () => {
    const first = v1();
    const greeted = await verifyAudit(exportOf([first], 'Hello there!'), options);
    expect(greeted.checks.find((c) => c.check === 'transcript')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/1 greeting/),
    });
    const lines = exportOf([first]);
    const unsigned: AuditLine = {
      ...(lines[2] as Extract<AuditLine, { type: 'message' }>),
      bundle: null,
      inferenceId: null,
    };
    const verified = await verifyAudit([lines[0], lines[1], unsigned], options);
    expect(verified.checks.find((c) => c.check === 'transcript')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/delivered without a receipt/),
    });
  });
});
