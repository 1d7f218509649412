import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { solidityPackedKeccak256, TypedDataEncoder, Wallet } from 'ethers';
import type { ProofBundle } from '../bundle';
import { RECEIPT_DOMAINS, receiptTypes } from '../receipt.spec-types';
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

/** A v2 receipt for `input` and `content`, signed by the fixture's node, with the fixture's other fields. */
async function signV2(
  base: ProofBundle,
  turn: { inferenceId: string; previousDigest: string; input: object[]; content: string },
): Promise<ProofBundle> {
  const { input, content } = turn;
  const receipt = {
    ...base.receipt,
    inferenceId: turn.inferenceId,
    previousDigest: turn.previousDigest,
    inputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, canonicalize(input)]),
    outputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, content]),
    startedAt: base.receipt.finishedAt + 1_000,
    finishedAt: base.receipt.finishedAt + 2_000,
  };
  const domain = RECEIPT_DOMAINS[2];
  return {
    ...base,
    inferenceId: receipt.inferenceId,
    domain,
    receipt,
    digest: TypedDataEncoder.hash(domain, receiptTypes(2), receipt),
    signature: await new Wallet(NODE_KEY).signTypedData(domain, receiptTypes(2), receipt),
    content,
    input,
    salt: SALT,
  };
}

/** The next turn of the fixture's conversation, signed after the upgrade: a v2 receipt chained to the v1 one. */
const nextV2 = (previous: ProofBundle): Promise<ProofBundle> =>
  signV2(previous, {
    inferenceId: '6c1d9f5f-2d3e-4f60-9bac-1d2e3f4a5b6c',
    previousDigest: previous.digest,
    input: [...(previous.input as object[]), { role: 'user', content: 'And in summer?' }],
    content: 'Hot, but the sea is close.',
  });

/** The turn after `previous`, signed after v3: a reply taken over after its first `prefixBytes` bytes. */
async function nextV3TakenOver(
  previous: ProofBundle,
  prefixBytes: number,
  inferenceId = '7d2e0a6a-3e4f-4a71-8cbd-2e3f4a5b6c7d',
): Promise<ProofBundle> {
  const content = 'Mild in spring, and the sea is warm by June.';
  const input = [...(previous.input as object[]), { role: 'user', content: 'And in spring?' }];
  const receipt = {
    ...previous.receipt,
    inferenceId,
    previousDigest: previous.digest,
    inputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, canonicalize(input)]),
    outputHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, content]),
    startedAt: previous.receipt.finishedAt + 1_000,
    finishedAt: previous.receipt.finishedAt + 2_000,
    prefixNode: '0x2222222222222222222222222222222222222222',
    prefixHash: solidityPackedKeccak256(['bytes32', 'string'], [SALT, content.slice(0, prefixBytes)]),
  };
  const domain = RECEIPT_DOMAINS[3];
  const types = receiptTypes(3);
  return {
    ...previous,
    inferenceId: receipt.inferenceId,
    domain,
    types,
    receipt,
    digest: TypedDataEncoder.hash(domain, types, receipt),
    signature: await new Wallet(NODE_KEY).signTypedData(domain, types, receipt),
    content,
    input,
    salt: SALT,
    takeover: { prefixBytes },
  };
}

/** The fixture's first reply as if its persona had greeted: the model's input shows the greeting(s) before the user. */
function greetedV2(...greetings: string[]): Promise<ProofBundle> {
  const fixture = v1();
  const [system, ...rest] = fixture.input as object[];
  return signV2(fixture, {
    inferenceId: fixture.inferenceId,
    previousDigest: fixture.receipt.previousDigest,
    input: [system, ...greetings.map((content) => ({ role: 'assistant', content })), ...rest],
    content: fixture.content!,
  });
}

function exportOf(bundles: ProofBundle[], ...greetings: string[]): AuditLine[] {
  const header: AuditLine = {
    type: 'conversation',
    id: (bundles[0] ?? v1()).receipt.conversationId,
    personaVersionHash: (bundles[0] ?? v1()).receipt.personaVersionHash,
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
  const opening = greetings.map((greeting, i) => line('assistant', greeting, null, 100 + i));
  return [header, ...opening, ...messages];
}

const transcriptOf = async (lines: AuditLine[]) =>
  (await verifyAudit(lines, options)).checks.find((c) => c.check === 'transcript');

describe('verifyAudit: greetings, proven by the next receipt’s input', () => {
  it('fails an edited or invented greeting: the model was shown another one, or none', async () => {
    const greeted = await greetedV2('Hello there!');
    expect(await transcriptOf(exportOf([greeted], 'Hello there, send me your password!'))).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/greeting .* is not what the model of receipt/),
    });
    expect(await transcriptOf(exportOf([v1()], 'I am your bank.'))).toMatchObject({ status: 'fail' });
  });

  it('accepts several unsigned opening lines only when the input shows each of them, in order', async () => {
    const twice = await greetedV2('Hello!', 'How are you?');
    expect(await transcriptOf(exportOf([twice], 'Hello!', 'How are you?'))).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/2 greeting/),
    });
    const once = await greetedV2('Hello!');
    for (const greetings of [
      ['Hello!', 'How are you?'],
      ['Wire me money.', 'Hello!'],
      ['How are you?', 'Hello!'],
    ])
      expect({ greetings, check: await transcriptOf(exportOf([once], ...greetings)) }).toMatchObject({
        greetings,
        check: { status: 'fail' },
      });
  });

  it('reports a greeting it cannot check as unverifiable, never as passed', async () => {
    const greeted = await greetedV2('Hello there!');
    const withheld = exportOf([greeted], 'Hello there!').map((line) => {
      if (line.type !== 'message' || !line.bundle) return line;
      const bundle: ProofBundle = { ...line.bundle };
      delete bundle.input;
      return { ...line, bundle };
    });
    const cases: [string, AuditLine[]][] = [
      ['input withheld', withheld],
      ['no receipt after it', exportOf([], 'Hello there!')],
      [
        'salt withheld, so the input is unchecked',
        exportOf([{ ...greeted, salt: undefined }], 'Hello there!'),
      ],
    ];
    for (const [why, lines] of cases) {
      const verified = await verifyAudit(lines, options);
      expect({ why, transcript: verified.checks.find((c) => c.check === 'transcript') }).toMatchObject({
        why,
        transcript: { status: 'skip', detail: expect.stringMatching(/unverifiable/) },
      });
      expect({ why, complete: verified.complete }).toEqual({ why, complete: false });
    }
  });
});

describe('verifyAudit', () => {
  it('chains a v1 receipt and the v2 receipt after it, each digest under its own version', async () => {
    const first = v1();
    const verified = await verifyAudit(exportOf([first, await nextV2(first)]), options);
    expect(verified.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(verified.bundles).toHaveLength(2);
  });

  it('chains v1, v2 and a taken-over v3 receipt, each digest under its own version', async () => {
    const first = v1();
    const second = await nextV2(first);
    const third = await nextV3TakenOver(second, 12);
    const verified = await verifyAudit(exportOf([first, second, third]), options);
    expect(verified.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(verified.bundles[2].verification.checks.find((c) => c.check === 'prefix-hash')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^taken over from node 0x2222.* after 12 bytes/),
    });
    // A turn after a v3 receipt chains to its v3 digest (prefix fields included): the audit must hash it as v3.
    const fourth = await nextV3TakenOver(third, 3, '8e3f1b7b-4f50-4b82-9dce-3f4a5b6c7d8e');
    const four = await verifyAudit(exportOf([first, second, third, fourth]), options);
    expect(four.checks.find((c) => c.check === 'hash-chain')).toMatchObject({ status: 'pass' });
  });

  it('reports a greeting before the first user turn as the persona’s, and an unsigned reply after it as a failure', async () => {
    const first = v1();
    const greeted = await verifyAudit(exportOf([await greetedV2('Hello there!')], 'Hello there!'), options);
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
