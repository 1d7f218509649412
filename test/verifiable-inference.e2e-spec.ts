import { INestApplicationContext } from '@nestjs/common';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AppConfig } from '@app/config';
import {
  AuditLine,
  ChainReader,
  parseAuditExport,
  ProofBundle,
  verifyAudit,
  verifyBundle,
} from '@app/receipts';
import { connectChat, startReply, watchProofUpdates } from '@app/testing';
import canonicalize from 'canonicalize';
import {
  Contract,
  JsonRpcProvider,
  keccak256,
  Network,
  solidityPackedKeccak256,
  toUtf8Bytes,
  TypedDataEncoder,
  verifyTypedData,
  Wallet,
  ZeroAddress,
  ZeroHash,
} from 'ethers';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { devAttestationPolicy } from './support/verification';
import { waitFor } from './support/wait-for';

describe('verifiable inference: receipts, attestation, anchoring, zk (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let creator: TestUser;
  let consumer: TestUser;
  let stranger: TestUser;
  let socket: Socket;
  let chain: ChainReader;
  const personas: Record<'none' | 'attested' | 'zk' | 'greeting', string> = {
    none: '',
    attested: '',
    zk: '',
    greeting: '',
  };
  const GREETING = 'Hello, I am Vera. What shall we check today?';
  // Small batches that close fast, so a test sees its replies anchored within a second or two.
  const overrides = { BATCH_MAX_AGE_MS: '300', RECONCILE_INTERVAL_MS: '1000' };

  beforeAll(async () => {
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    stranger = await signUp(api.url, 'consumer');
    for (const verification of ['none', 'attested', 'zk'] as const) {
      const created = await createPersona(api.url, creator, {
        name: `Vera ${verification}`,
        personality: 'precise',
        verification,
      });
      personas[verification] = created.id;
    }
    // Like the demo persona, this one greets: its first message is no model's reply and carries no receipt.
    personas.greeting = (
      await createPersona(api.url, creator, {
        name: 'Vera greets',
        personality: 'precise',
        firstMessage: GREETING,
        verification: 'attested',
      })
    ).id;
    socket = await connectChat(api.url, consumer.apiKey);
    chain = new ChainReader(AppConfig.fromProcessEnv().chain.rpcUrl);
  });
  afterAll(async () => {
    socket.disconnect();
    chain.close();
    await worker.close();
    await api.close();
  });

  async function converse(personaId: string, turns: string[]) {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const replies = [];
    const greeting = (conversation.body.messages as { role: string; content: string }[])[0];
    if (personaId === personas.greeting)
      expect(greeting).toMatchObject({ role: 'assistant', content: GREETING });
    for (const content of turns) {
      const started = await startReply(socket, conversation.body.id, content);
      const reply = await started.reply;
      expect(reply.done).toBeDefined();
      replies.push(reply.done!);
    }
    return { conversationId: conversation.body.id as string, replies };
  }

  async function exportOf(conversationId: string): Promise<AuditLine[]> {
    const exported = await request(api.url)
      .get(`/v1/conversations/${conversationId}/audit`)
      .set(consumer.auth)
      .buffer(true)
      .parse((res, callback) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => callback(null, text));
      })
      .expect(200)
      .expect('Content-Type', /application\/x-ndjson/);
    return parseAuditExport(exported.body as string);
  }

  async function bundleOf(inferenceId: string, user = consumer): Promise<ProofBundle> {
    return (await request(api.url).get(`/v1/inferences/${inferenceId}/bundle`).set(user.auth).expect(200))
      .body as ProofBundle;
  }

  it('sends message:done first, then proof:update to attested and anchored; anyone verifies it with ethers and merkle-tree', async () => {
    const updates = watchProofUpdates(socket);
    const { replies } = await converse(personas.attested, ['My sister lives in Lisbon.']);
    const done = replies[0];
    // The reply did not wait for any proof: the inference is still pending when message:done arrives.
    expect(
      updates.updates.filter((u) => u.inferenceId === done.inferenceId && u.status === 'anchored'),
    ).toEqual([]);
    const attested = await updates.until(
      (u) => u.inferenceId === done.inferenceId && u.status === 'attested',
    );
    const anchored = await updates.until(
      (u) => u.inferenceId === done.inferenceId && u.status === 'anchored',
    );
    expect(updates.updates.indexOf(attested)).toBeLessThan(updates.updates.indexOf(anchored));
    expect(anchored).toMatchObject({
      messageId: done.messageId,
      batch: { root: expect.stringMatching(/^0x/) },
    });

    const view = (
      await request(api.url).get(`/v1/inferences/${done.inferenceId}`).set(stranger.auth).expect(200)
    ).body;
    expect(view).toMatchObject({ id: done.inferenceId, messageId: done.messageId, status: 'anchored' });

    // Independent verification with public tools only.
    const bundle = await bundleOf(done.inferenceId);
    const digest = TypedDataEncoder.hash(bundle.domain, bundle.types, bundle.receipt);
    expect(digest).toBe(bundle.digest);
    expect(verifyTypedData(bundle.domain, bundle.types, bundle.receipt, bundle.signature)).toBe(
      bundle.signer,
    );
    expect(bundle.receipt.node).toBe(bundle.signer);
    expect(bundle.content).toBe(done.content);
    // Receipt v3: both hashes commit to the content with the reply's own salt (docs/receipts.md, "Receipt v2"), and
    // one node made the whole reply, so the prefix fields are zero (docs/receipts.md, "Receipt v3").
    expect(bundle.domain).toEqual({ name: 'Twinproof', version: '3' });
    expect(bundle.receipt).toMatchObject({ prefixNode: ZeroAddress, prefixHash: ZeroHash });
    expect(bundle.types.Receipt.slice(-2)).toEqual([
      { name: 'prefixNode', type: 'address' },
      { name: 'prefixHash', type: 'bytes32' },
    ]);
    expect(bundle.takeover).toBeUndefined();
    expect(bundle.salt).toMatch(/^0x[0-9a-f]{64}$/);
    expect(solidityPackedKeccak256(['bytes32', 'string'], [bundle.salt, bundle.content])).toBe(
      bundle.receipt.outputHash,
    );
    expect(solidityPackedKeccak256(['bytes32', 'string'], [bundle.salt, canonicalize(bundle.input)])).toBe(
      bundle.receipt.inputHash,
    );
    const batch = bundle.batch!;
    expect(StandardMerkleTree.verify(batch.root, ['bytes32'], [digest], batch.proof)).toBe(true);
    const chainInfo = (await request(api.url).get('/v1/chain').set(stranger.auth).expect(200)).body;
    expect(chainInfo).toEqual({
      chainId: batch.chainId,
      rpcUrl: expect.any(String),
      anchorContract: batch.contract,
    });
    const provider = new JsonRpcProvider(chainInfo.rpcUrl, Network.from(chainInfo.chainId), {
      staticNetwork: true,
    });
    try {
      const anchor = new Contract(
        batch.contract,
        ['function anchoredAt(bytes32) view returns (uint64)'],
        provider,
      );
      expect(Number(await anchor.getFunction('anchoredAt').staticCall(batch.root))).toBe(batch.blockNumber);
      const tx = await provider.getTransactionReceipt(batch.txHash);
      expect(tx?.blockNumber).toBe(batch.blockNumber);
    } finally {
      provider.destroy();
    }

    // And with the project's own verifier, which also checks the node's attestation.
    const verification = await verifyBundle(bundle, {
      attestationPolicy: await devAttestationPolicy(),
      chain,
    });
    expect(verification.checks.filter((c) => c.status !== 'pass')).toEqual([
      { check: 'zk-proof', status: 'skip', detail: expect.any(String) },
    ]);
    expect(verification.ok).toBe(true);
  });

  it('proves a zk persona’s reply with Groth16, and records proving time next to inference time', async () => {
    const updates = watchProofUpdates(socket);
    const { replies } = await converse(personas.zk, ['Thank you, that was kind and helpful!']);
    const done = replies[0];
    const zkUpdate = await updates.until(
      (u) => u.inferenceId === done.inferenceId && u.zk !== undefined,
      30_000,
    );
    await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
    // Every proof:update of this reply, in arrival order: its status never goes backwards, whichever of the zk
    // and settlement jobs finishes first.
    const rank: Record<string, number> = { pending: 0, attested: 1, anchored: 2, failed: 3 };
    const statuses = updates.updates.filter((u) => u.inferenceId === done.inferenceId).map((u) => u.status);
    expect(statuses).toEqual([...statuses].sort((a, b) => rank[a] - rank[b]));
    expect(statuses.at(-1)).toBe('anchored');
    expect(zkUpdate.zk).toMatchObject({
      status: 'verified',
      provingMs: expect.any(Number),
      inferenceMs: expect.any(Number),
    });
    await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
    const bundle = await bundleOf(done.inferenceId);
    expect(bundle.zk).toMatchObject({
      system: 'groth16',
      provingMs: expect.any(Number),
      inferenceMs: expect.any(Number),
    });
    const verification = await verifyBundle(bundle, {
      attestationPolicy: await devAttestationPolicy(),
      chain,
    });
    expect(verification).toMatchObject({ ok: true, complete: true });
  });

  it('fails exactly the check whose evidence was tampered with', async () => {
    const updates = watchProofUpdates(socket);
    const { replies } = await converse(personas.zk, ['I like quiet mornings.']);
    const done = replies[0];
    await updates.until((u) => u.inferenceId === done.inferenceId && u.zk !== undefined, 30_000);
    await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
    const original = await bundleOf(done.inferenceId);
    const policy = await devAttestationPolicy();
    const reissued = (document: string, change: Record<string, string>): string =>
      JSON.stringify({ ...(JSON.parse(document) as object), ...change });
    const flipHex = (hex: string, at = 10): string =>
      hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    // A valid signature over the very same receipt, by a key that is not the node's (fixed, so it reproduces).
    const impostor = new Wallet(`0x${'33'.repeat(32)}`);
    const resigned = await impostor.signTypedData(original.domain, original.types, original.receipt);
    const tampers: [string, (b: ProofBundle) => void][] = [
      ['receipt-digest', (b) => (b.receipt.completionTokens += 1)],
      ['signature', (b) => (b.signature = flipHex(b.signature, 20))],
      ['signature', (b) => (b.signature = resigned)],
      [
        'signature',
        (b) => {
          b.signature = resigned;
          b.signer = impostor.address;
        },
      ],
      [
        'attestation',
        (b) =>
          (b.attestation.document = reissued(b.attestation.document, {
            measurement: `0x${'ab'.repeat(32)}`,
          })),
      ],
      ['output-hash', (b) => (b.content = `${b.content} `)],
      ['input-hash', (b) => ((b.input as { content: string }[])[0].content += '!')],
      ['output-hash', (b) => (b.salt = flipHex(b.salt!))],
      ['input-hash', (b) => (b.salt = flipHex(b.salt!))],
      [
        'merkle-inclusion',
        (b) => (b.batch!.proof = b.batch!.proof.length ? [flipHex(b.batch!.proof[0])] : [b.digest]),
      ],
      ['merkle-inclusion', (b) => (b.batch!.root = flipHex(b.batch!.root))],
      ['anchored-on-chain', (b) => (b.batch!.blockNumber += 1)],
      ['anchored-on-chain', (b) => (b.batch!.txHash = flipHex(b.batch!.txHash))],
      ['anchored-on-chain', (b) => (b.batch!.leafIndex = 1_000)],
      // A contract that is not ReceiptAnchor (here: an account with no code) cannot vouch for a root.
      ['anchored-on-chain', (b) => (b.batch!.contract = b.signer)],
      ['receipt-digest', (b) => (b.inferenceId = randomUUID())],
      ['attestation', (b) => (b.attestation = null as unknown as ProofBundle['attestation'])],
      ['merkle-inclusion', (b) => (b.batch!.proof = 'not a proof' as unknown as string[])],
      ['zk-proof', (b) => (b.zk!.publicSignals[0] = String(BigInt(b.zk!.publicSignals[0]) + 1n))],
      ['zk-proof', (b) => ((b.zk!.proof as { pi_a: string[] }).pi_a[0] = '1')],
    ];
    for (const [check, tamper] of tampers) {
      const bundle = structuredClone(original);
      tamper(bundle);
      const verification = await verifyBundle(bundle, { attestationPolicy: policy, chain });
      expect({ check, ok: verification.ok }).toEqual({ check, ok: false });
      expect(verification.checks.find((c) => c.check === check)).toMatchObject({ status: 'fail' });
    }
    expect(await verifyBundle(original, { attestationPolicy: policy, chain })).toMatchObject({ ok: true });
  });

  it('exports a greeted conversation for auditors whose receipts form a hash chain: a removed or reordered turn is detected', async () => {
    const updates = watchProofUpdates(socket);
    const { conversationId, replies } = await converse(personas.greeting, [
      'I work as a nurse.',
      'My cat is called Pixel.',
      'What is my cat called?',
    ]);
    const other = await converse(personas.greeting, ['I collect stamps.']);
    for (const reply of [...replies, ...other.replies])
      await updates.until((u) => u.inferenceId === reply.inferenceId && u.status === 'anchored');
    const lines = await exportOf(conversationId);
    const policy = await devAttestationPolicy();
    const options = { attestationPolicy: policy, chain };
    const verified = await verifyAudit(lines, options);
    expect(verified.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(verified.bundles).toHaveLength(3);
    // The greeting is reported for what it is: the persona's, unsigned, not a reply delivered without a receipt.
    expect(lines[1]).toMatchObject({ type: 'message', role: 'assistant', content: GREETING, bundle: null });
    expect(verified.checks.find((c) => c.check === 'transcript')?.detail).toMatch(/1 greeting/);

    const checkOf = async (changed: AuditLine[], check: string) =>
      (await verifyAudit(changed, options)).checks.find((c) => c.check === check);
    const replyLines = lines
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line.type === 'message' && line.bundle);
    const removed = lines.filter(
      (_, index) => index !== replyLines[1].index && index !== replyLines[1].index - 1,
    );
    expect(await checkOf(removed, 'hash-chain')).toMatchObject({ status: 'fail' });
    const reordered = [...lines];
    [reordered[replyLines[0].index], reordered[replyLines[2].index]] = [
      reordered[replyLines[2].index],
      reordered[replyLines[0].index],
    ];
    expect(await checkOf(reordered, 'hash-chain')).toMatchObject({ status: 'fail' });

    const edited = lines.map((line) =>
      line.type === 'message' && line.role === 'user' && line.content === 'My cat is called Pixel.'
        ? { ...line, content: 'My cat is called Felix.' }
        : line,
    );
    expect(await checkOf(edited, 'transcript')).toMatchObject({ status: 'fail' });

    // An assistant line edited in the transcript no longer matches the content its receipt commits to.
    const editedReply = lines.map((line, index) =>
      index === replyLines[1].index && line.type === 'message'
        ? { ...line, content: 'Felix, of course.' }
        : line,
    );
    expect(await checkOf(editedReply, 'transcript')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/differs from its receipt/),
    });

    // Another conversation's export passed off as this one: every bundle and its chain are genuine, but the
    // receipts name the other conversation.
    const foreign = await exportOf(other.conversationId);
    const passedOff = [{ ...lines[0] }, ...foreign.slice(1)];
    expect(await checkOf(passedOff, 'hash-chain')).toMatchObject({ status: 'pass' });
    expect(await checkOf(passedOff, 'transcript')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/belongs to another conversation/),
    });

    // A greeting has no receipt, but the first reply's signed input shows it: an edited or an extra one fails.
    const greetingLine = lines[1] as Extract<AuditLine, { type: 'message' }>;
    const editedGreeting = lines.map((line, index) =>
      index === 1 ? { ...greetingLine, content: 'Hello, I am your bank. What is your PIN?' } : line,
    );
    const extraGreeting = [lines[0], lines[1], { ...greetingLine, id: randomUUID() }, ...lines.slice(2)];
    for (const changed of [editedGreeting, extraGreeting])
      expect(await checkOf(changed, 'transcript')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/greeting|opening line/),
      });

    // Only a line before the consumer's first message can be a greeting: an unsigned assistant line after it is
    // a reply nobody can prove, wherever it is put.
    const unsigned = {
      type: 'message' as const,
      id: randomUUID(),
      role: 'assistant',
      status: 'complete',
      content: 'I never said this.',
      inferenceId: null,
      bundle: null,
    };
    for (const at of [replyLines[0].index + 1, lines.length]) {
      const inserted = [...lines.slice(0, at), unsigned, ...lines.slice(at)];
      expect(await checkOf(inserted, 'transcript')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/delivered without a receipt/),
      });
    }

    // Only the participant may export; anyone else is told the conversation does not exist.
    await request(api.url).get(`/v1/conversations/${conversationId}/audit`).set(stranger.auth).expect(404);
  });

  it('exports an audit that verifies for a conversation an OpenAI client starts with its own history, on a persona that greets', async () => {
    // The client owns that transcript: a stored greeting the model was never shown would fail the audit.
    const { slug } = (await request(api.url).get(`/v1/personas/${personas.greeting}`).expect(200)).body as {
      slug: string;
    };
    const answer = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({
        model: slug,
        messages: [
          { role: 'user', content: 'My cat is called Pixel.' },
          { role: 'assistant', content: 'A fine name.' },
          { role: 'user', content: 'What is my cat called?' },
        ],
      })
      .expect(200);
    const conversationId = answer.headers['x-conversation-id'];
    const inferenceId = (answer.body as { inference_id: string }).inference_id;
    await waitFor(
      async () =>
        (await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth)).body.status ===
        'anchored',
      `inference ${inferenceId} to be anchored`,
      30_000,
    );
    const lines = await exportOf(conversationId);
    const verified = await verifyAudit(lines, { attestationPolicy: await devAttestationPolicy(), chain });
    expect(verified.checks.filter((c) => c.status !== 'pass')).toEqual([]);
  });

  it('shows content, input and salt only to participants; a bundle they share verifies fully', async () => {
    const { replies } = await converse(personas.attested, ['Keep this between us.']);
    const inferenceId = replies[0].inferenceId;
    const foreign = await bundleOf(inferenceId, stranger);
    expect(foreign.content).toBeUndefined();
    expect(foreign.input).toBeUndefined();
    expect(foreign.salt).toBeUndefined();
    expect(foreign.receipt.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Whoever guesses the exact reply cannot confirm the guess from the public receipt: the hash is salted.
    expect(keccak256(toUtf8Bytes(replies[0].content))).not.toBe(foreign.receipt.outputHash);
    const policy = await devAttestationPolicy();
    const verification = await verifyBundle(foreign, { attestationPolicy: policy, chain });
    expect(verification.ok).toBe(true);
    for (const check of ['output-hash', 'input-hash'])
      expect(verification.checks.find((c) => c.check === check)).toMatchObject({ status: 'skip' });

    const own = await bundleOf(inferenceId);
    const views = await Promise.all(
      [consumer, stranger].map(
        async (user) =>
          (await request(api.url).get(`/v1/inferences/${inferenceId}`).set(user.auth).expect(200)).body as {
            salt?: string;
          },
      ),
    );
    expect(views.map((view) => view.salt)).toEqual([own.salt, undefined]);
    // The participant shares the bundle: anyone holding it checks the content commitments too.
    const shared = JSON.parse(JSON.stringify(own)) as ProofBundle;
    const sharedVerification = await verifyBundle(shared, { attestationPolicy: policy, chain });
    for (const check of ['output-hash', 'input-hash'])
      expect(sharedVerification.checks.find((c) => c.check === check)).toMatchObject({ status: 'pass' });

    const missing = await request(api.url)
      .get(`/v1/inferences/${randomUUID()}/bundle`)
      .set(consumer.auth)
      .expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    await request(api.url).get('/v1/inferences/not-a-uuid').set(consumer.auth).expect(400);
    await request(api.url).get(`/v1/inferences/${inferenceId}`).expect(401);
  });

  it('shows which memories shaped a reply only to the conversation’s participants', async () => {
    await converse(personas.attested, ['My dog is called Rex.']);
    // The memory job runs in the worker: wait until the fact is stored before asking about it.
    const memoriesOf = async () =>
      (
        await request(api.url)
          .get(`/v1/personas/${personas.attested}/memories`)
          .set(consumer.auth)
          .expect(200)
      ).body as { data: { id: string; content: string }[] };
    for (let i = 0; i < 100 && !(await memoriesOf()).data.some((m) => m.content.includes('Rex')); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const { replies } = await converse(personas.attested, ['What is my dog called?']);
    const [own, foreign] = await Promise.all(
      [consumer, stranger].map(
        async (user) =>
          (await request(api.url).get(`/v1/inferences/${replies[0].inferenceId}`).set(user.auth).expect(200))
            .body as { grounding: { personaVersionHash: string; memoryIds?: string[] } },
      ),
    );
    expect(own.grounding.memoryIds?.length).toBeGreaterThan(0);
    expect(foreign.grounding).toEqual({ personaVersionHash: own.grounding.personaVersionHash });
  });

  it('signs but does not prove replies of a persona with verification none', async () => {
    const { replies } = await converse(personas.none, ['Hello there.']);
    const view = (
      await request(api.url).get(`/v1/inferences/${replies[0].inferenceId}`).set(consumer.auth).expect(200)
    ).body;
    expect(view).toMatchObject({ status: 'unverified', verification: 'none', batch: null, zk: null });
    expect(view.signature).toMatch(/^0x/);
  });
});
