import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { DevAttestationAuthority, devMeasurement } from '@app/attestation';
import { Prisma, PrismaService } from '@app/database';
import { estimateTokens } from '@app/inference';
import { chunkEvent, errorEvent, type NodeCompletionBody, receiptEvent, SSE_DONE } from '@app/node-protocol';
import { countPromptTokens } from '@app/prompt/token-budget';
import { jobIds, QueueName } from '@app/queue';
import {
  contentHashes,
  newReceiptSalt,
  prefixFields,
  Receipt,
  RECEIPT_VERSION,
  receiptDigest,
  signReceipt,
} from '@app/receipts';
import { commitText } from '@app/receipts/receipt-hashes';
import { createContext, dbFactory } from '@app/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Wallet } from 'ethers';
import { SpotCheckModule } from './spot-check.module';
import { SpotCheckRepository } from './spot-check.repository';
import { SpotCheckService } from './spot-check.service';

const SALT = `0x${'5a'.repeat(32)}`;
// A model no persona of another file names, so no api of the run routes to these rows' nodes.
const MODEL = `embedded:spot-int-${randomBytes(3).toString('hex')}`;
// Checkers must be attested like any routed node: the worker of this file trusts this authority.
const AUTHORITY = DevAttestationAuthority.random();

describe('spot checks (PostgreSQL, BullMQ on Redis)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let service: SpotCheckService;
  let repository: SpotCheckRepository;
  let queue: Queue;

  beforeAll(async () => {
    context = await createContext([SpotCheckModule], [], {
      SPOT_CHECK_RATE: '1',
      TRUSTED_DEV_AUTHORITIES: AUTHORITY.address,
      // A checker silent this long gives no verdict (the router's NODE_ITL_TIMEOUT_MS, reused).
      NODE_ITL_TIMEOUT_MS: '400',
      REDIS_PREFIX: `spot-int-${randomBytes(4).toString('hex')}`,
    });
    prisma = context.get(PrismaService);
    service = context.get(SpotCheckService);
    repository = context.get(SpotCheckRepository);
    queue = context.get<Queue>(getQueueToken(QueueName.SpotChecks));
    await context.init();
  });
  afterAll(() => context.close());

  async function node(
    operatorId: string | null,
    status: 'active' | 'revoked' = 'active',
    model = MODEL,
    at: { url?: string; address?: string; teeKind?: string; authority?: DevAttestationAuthority } = {},
  ) {
    const address = at.address ?? Wallet.createRandom().address;
    const document = await (at.authority ?? AUTHORITY).issue({
      nodeAddress: address,
      measurement: devMeasurement('twinproof/node/v1'),
      validForMs: 3_600_000,
    });
    return prisma.node.create({
      data: {
        address,
        name: 'n',
        url: at.url ?? 'http://127.0.0.1:9',
        teeKind: at.teeKind ?? 'dev',
        operatorId,
        modelIds: [model],
        attestationKind: 'dev',
        attestation: { kind: 'dev', document },
        status,
        lastHeartbeatAt: new Date(),
        probedAt: new Date(),
      },
    });
  }

  /** An attested reply served by `nodeId`, its outputHash committing to `text`. */
  async function reply(
    nodeId: string,
    text = 'The answer is 42.',
    extra: {
      prefixBytes?: number;
      prefixNodeId?: string;
      modelId?: string;
      generation?: Prisma.InputJsonObject | typeof Prisma.DbNull;
      receipt?: Prisma.InputJsonObject;
    } = {},
  ) {
    const persona = await dbFactory.persona(prisma);
    const consumer = await dbFactory.user(prisma);
    const conversation = await prisma.conversation.create({
      data: { personaId: persona.id, personaVersionId: persona.versionId, userId: consumer.id },
    });
    const message = await prisma.message.create({
      data: { conversationId: conversation.id, role: 'assistant', content: text },
    });
    return prisma.inferenceRecord.create({
      data: {
        messageId: message.id,
        conversationId: conversation.id,
        nodeId,
        modelId: MODEL,
        status: 'attested',
        input: [{ role: 'user', content: 'What is the answer?' }],
        inputHash: '0x',
        outputHash: commitText(SALT, text),
        salt: SALT,
        receipt: { previousDigest: `0x${'00'.repeat(32)}` },
        personaVersionHash: '0x',
        completionTokens: 5,
        // Recorded with the reply (no stop, default sampling): what a spot check replays.
        generation: {},
        startedAt: new Date(),
        finishedAt: new Date(),
        ...extra,
      },
    });
  }

  it('samples a checkable reply once: a pending row and one job, keyed by the inference', async () => {
    const operator = await dbFactory.user(prisma);
    const served = await node(operator.id);
    const record = await reply(served.id);
    expect(await service.schedule(record.id)).toBe(true);
    expect(await service.schedule(record.id)).toBe(true);
    expect(await prisma.spotCheck.count({ where: { inferenceId: record.id } })).toBe(1);
    expect((await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } }))?.status).toBe(
      'pending',
    );
    const job = await queue.getJob(jobIds.spotCheck(record.id));
    expect(job?.data.inferenceId).toBe(record.id);
    await job?.remove();
  });

  it('draws first when the caller knows the reply: one not drawn is not read again, one drawn is read once', async () => {
    const operator = await dbFactory.user(prisma);
    const served = await node(operator.id);
    const record = await reply(served.id);
    const read = jest.spyOn(repository, 'findRecord');
    const drawn = service.random;
    // Rate 1 in this file: a draw of 1 is never below it, so this reply is not picked.
    service.random = () => 1;
    try {
      expect(await service.schedule(record.id, { prefixBytes: null })).toBe(false);
      expect(read).not.toHaveBeenCalled();
      service.random = () => 0.5;
      expect(await service.schedule(record.id, { prefixBytes: null })).toBe(true);
      expect(read).toHaveBeenCalledTimes(1);
    } finally {
      service.random = drawn;
      read.mockRestore();
      await (await queue.getJob(jobIds.spotCheck(record.id)))?.remove();
    }
  });

  it('does not sample a reply recorded without its generation parameters, nor one on a model that is not deterministic', async () => {
    const operator = await dbFactory.user(prisma);
    const served = await node(operator.id);
    // Its `stop` or sampling are unknown: a re-run without them would frame an honest node (attacker finding 1).
    const untold = await reply(served.id, 'x', { generation: Prisma.DbNull });
    expect(await service.schedule(untold.id)).toBe(false);
    const upstream = await reply(served.id);
    await prisma.inferenceRecord.update({ where: { id: upstream.id }, data: { modelId: 'gpt-sampled' } });
    expect(await service.schedule(upstream.id)).toBe(false);
    expect(await prisma.spotCheck.count({ where: { inferenceId: { in: [untold.id, upstream.id] } } })).toBe(
      0,
    );
  });

  it('samples a taken-over reply, and checks it only on an operator other than the prefix node’s and the finisher’s', async () => {
    const [a, b] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
    // A model of its own: only these two operators serve it.
    const model = `${MODEL}-takeover`;
    const finisher = await node(a.id, 'active', model);
    const prefixNode = await node(b.id, 'active', model);
    await node(b.id, 'active', model); // the prefix node's operator may not judge its own prefix
    const record = await reply(finisher.id, 'The answer is 42.', {
      modelId: model,
      prefixBytes: 4,
      prefixNodeId: prefixNode.id,
      receipt: { previousDigest: `0x${'00'.repeat(32)}`, prefixHash: commitText(SALT, 'The ') },
    });
    expect(await service.schedule(record.id)).toBe(true);
    await (await queue.getJob(jobIds.spotCheck(record.id)))?.remove();
    expect(await service.run(record.id)).toBe('skipped');
    expect(await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } })).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('no healthy node of another operator'),
    });
  });

  it('skips with a reason when no node of another operator serves the model', async () => {
    const operator = await dbFactory.user(prisma);
    // A model of its own: the other tests' nodes serve MODEL.
    const model = `${MODEL}-alone`;
    const served = await node(operator.id, 'active', model);
    await node(operator.id, 'active', model); // the same operator's second node may not check it
    const record = await reply(served.id, 'The answer is 42.', { modelId: model });
    await repository.open(record.id);
    expect(await service.run(record.id)).toBe('skipped');
    const check = await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } });
    expect(check).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no healthy node') });
    expect(check?.checkedAt).toBeInstanceOf(Date);
  });

  it('settles a dispute once: the reply disputed, its node suspect, a revoked node left revoked', async () => {
    const [a, b] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
    const served = await node(a.id);
    const checker = await node(b.id);
    const record = await reply(served.id);
    await repository.open(record.id);
    const dispute = {
      status: 'disputed' as const,
      checkerNodeId: checker.id,
      outputHash: '0xdead',
      suspectNodeId: served.id,
      reason: 'different output',
    };
    expect(await repository.settle(record.id, dispute)).toBe(true);
    expect(await repository.settle(record.id, { status: 'matched', checkerNodeId: checker.id })).toBe(false);
    expect((await prisma.inferenceRecord.findUnique({ where: { id: record.id } }))?.status).toBe('disputed');
    expect((await prisma.node.findUnique({ where: { id: served.id } }))?.status).toBe('suspect');
    expect(await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } })).toMatchObject({
      status: 'disputed',
      checkerNodeId: checker.id,
      reason: 'different output',
    });

    const revoked = await node(a.id, 'revoked');
    const other = await reply(revoked.id);
    await repository.open(other.id);
    await repository.settle(other.id, { ...dispute, suspectNodeId: revoked.id });
    expect((await prisma.node.findUnique({ where: { id: revoked.id } }))?.status).toBe('revoked');
  });

  it('a refereed match clears the reply and makes the contradicted checker suspect', async () => {
    const [a, b] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
    const served = await node(a.id);
    const liar = await node(b.id);
    const record = await reply(served.id);
    await repository.open(record.id);
    await repository.settle(record.id, {
      status: 'matched',
      checkerNodeId: served.id,
      suspectNodeId: liar.id,
    });
    expect((await prisma.inferenceRecord.findUnique({ where: { id: record.id } }))?.status).toBe('attested');
    expect((await prisma.node.findUnique({ where: { id: served.id } }))?.status).toBe('active');
    expect((await prisma.node.findUnique({ where: { id: liar.id } }))?.status).toBe('suspect');
  });

  describe('checkers that give no verdict (silent, trickling, failing)', () => {
    const servers: Server[] = [];
    afterAll(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    async function listen(handler: RequestListener): Promise<string> {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    /** A node that runs the model honestly: it streams `text` and signs a v3 receipt over it. */
    function honest(wallet: Wallet, text: string): RequestListener {
      return (req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => {
          const body = JSON.parse(raw) as NodeCompletionBody;
          const { inferenceId, conversationId, previousDigest, personaVersionHash } = body.twinproof;
          const salt = newReceiptSalt();
          const hashes = contentHashes(RECEIPT_VERSION, { input: body.messages, output: text, salt });
          const receipt: Receipt = {
            inferenceId,
            conversationId,
            previousDigest,
            personaVersionHash,
            modelId: body.model,
            inputHash: hashes.inputHash,
            outputHash: hashes.outputHash,
            promptTokens: countPromptTokens(body.messages),
            completionTokens: estimateTokens(text),
            startedAt: Date.now(),
            finishedAt: Date.now(),
            ...prefixFields(salt, undefined),
            node: wallet.address,
          };
          void signReceipt(wallet, receipt).then((signature) => {
            const meta = { id: 'chatcmpl-1', created: 1, model: body.model };
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.write(chunkEvent(meta, text, true));
            res.write(
              receiptEvent({
                finish_reason: 'stop',
                receipt,
                digest: receiptDigest(receipt),
                signature,
                salt,
              }),
            );
            res.end(SSE_DONE);
          });
        });
      };
    }

    it('is passed over for another operator’s node in the same job, which gives the verdict', async () => {
      const [a, b, c] = [
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
      ];
      const model = `${MODEL}-stall`;
      let silentCalls = 0;
      // Answers 200 and then nothing: no token, no receipt, the connection held open.
      const silentUrl = await listen((_req, res) => {
        silentCalls += 1;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
      });
      const honestKey = new Wallet(Wallet.createRandom().privateKey);
      const honestUrl = await listen(honest(honestKey, 'The answer is 42.'));
      const served = await node(a.id, 'active', model);
      // Another TEE kind than the reply's node: the silent node is the one chosen first.
      await node(b.id, 'active', model, { url: silentUrl, teeKind: 'nitro' });
      const checker = await node(c.id, 'active', model, { url: honestUrl, address: honestKey.address });
      const record = await reply(served.id, 'The answer is 42.', { modelId: model });
      await prisma.inferenceRecord.update({
        where: { id: record.id },
        data: { personaVersionHash: `0x${'ab'.repeat(32)}` },
      });
      await repository.open(record.id);

      // Not the last attempt: a checker that gives no verdict would fail the job here, were no other one tried.
      expect(await service.run(record.id, false)).toBe('matched');
      expect(silentCalls).toBe(1);
      expect(await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } })).toMatchObject({
        status: 'matched',
        checkerNodeId: checker.id,
      });
    });

    it('ends skipped with each checker’s reason when none gives a verdict', async () => {
      const [a, b] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
      const model = `${MODEL}-silent`;
      const silentUrl = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
      });
      const served = await node(a.id, 'active', model);
      const silent = await node(b.id, 'active', model, { url: silentUrl });
      const record = await reply(served.id, 'The answer is 42.', { modelId: model });
      await repository.open(record.id);
      await expect(service.run(record.id, false)).rejects.toThrow(/no checker gave a verdict/);
      expect(await service.run(record.id, true)).toBe('skipped');
      expect((await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } }))?.reason).toContain(
        `node ${silent.id} gave no verdict: stalled (no token for 400 ms)`,
      );
    });

    it('stores only the platform’s words for why checkers failed, never their text or address', async () => {
      const [a, b, c, d] = [
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
      ];
      const model = `${MODEL}-words`;
      const crafted = `INJECTED: this reply was fabricated, see https://evil.example/claim ${'A'.repeat(4096)}`;
      // An SSE error event whose message is the operator's text (evil-checker.mjs).
      const errorEventUrl = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(errorEvent('MODEL_FAILED', crafted));
      });
      // An error answer whose body is the operator's text.
      const errorBodyUrl = await listen((_req, res) => res.writeHead(503).end(crafted));
      // Nothing listens there: fetch's error names the node's IP:port, which GET /v1/nodes hides.
      const closedUrl = await listen(() => undefined);
      const closing = servers.pop()!;
      await new Promise((resolve) => closing.close(resolve));
      const served = await node(a.id, 'active', model);
      const eventNode = await node(b.id, 'active', model, { url: errorEventUrl });
      const bodyNode = await node(c.id, 'active', model, { url: errorBodyUrl });
      const closedNode = await node(d.id, 'active', model, { url: closedUrl });
      const record = await reply(served.id, 'The answer is 42.', { modelId: model });
      await repository.open(record.id);

      expect(await service.run(record.id, true)).toBe('skipped');
      const reason = (await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } }))?.reason ?? '';
      expect(reason).toContain(`node ${eventNode.id} gave no verdict: sent an error event`);
      expect(reason).toContain(`node ${bodyNode.id} gave no verdict: refused (HTTP 5xx)`);
      expect(reason).toContain(`node ${closedNode.id} gave no verdict: unreachable`);
      expect(reason).not.toMatch(/INJECTED|evil|AAAA|127\.0\.0\.1|MODEL_FAILED|ECONNREFUSED/);
      expect(reason.length).toBeLessThan(400);
    });

    it('cuts a checker that trickles tokens just inside the stall timeout, and asks the next one', async () => {
      const [a, b, c] = [
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
        await dbFactory.user(prisma),
      ];
      const model = `${MODEL}-trickle`;
      let hungUpAfterMs: number | undefined;
      // One character every 150 ms (the stall timeout is 400): never silent long enough to stall.
      const trickleUrl = await listen((_req, res) => {
        const started = Date.now();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(
          () => res.write(chunkEvent({ id: 'chatcmpl-1', created: 1, model }, 'x', false)),
          150,
        );
        res.on('close', () => {
          clearInterval(timer);
          hungUpAfterMs = Date.now() - started;
        });
      });
      const honestKey = new Wallet(Wallet.createRandom().privateKey);
      const honestUrl = await listen(honest(honestKey, 'The answer is 42.'));
      const served = await node(a.id, 'active', model);
      // Another TEE kind than the reply's node: the trickling node is the one chosen first.
      await node(b.id, 'active', model, { url: trickleUrl, teeKind: 'nitro' });
      const checker = await node(c.id, 'active', model, { url: honestUrl, address: honestKey.address });
      const record = await reply(served.id, 'The answer is 42.', { modelId: model });
      await prisma.inferenceRecord.update({
        where: { id: record.id },
        data: { personaVersionHash: `0x${'ab'.repeat(32)}` },
      });
      await repository.open(record.id);

      expect(await service.run(record.id, false)).toBe('matched');
      expect((await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } }))?.checkerNodeId).toBe(
        checker.id,
      );
      // 5 tokens at NODE_MIN_TOKENS_PER_S (default 2) after a 400 ms first token: cut at 2.9 s, not at 120 s (nor
      // at the reply's character cap, 84 characters = 12.6 s of trickle).
      expect(hungUpAfterMs).toBeGreaterThanOrEqual(2_500);
      expect(hungUpAfterMs).toBeLessThan(5_000);
    });
  });

  it('never chooses a checker whose attestation does not verify', async () => {
    const [a, b] = [await dbFactory.user(prisma), await dbFactory.user(prisma)];
    const model = `${MODEL}-unattested`;
    const served = await node(a.id, 'active', model);
    await node(b.id, 'active', model, { authority: DevAttestationAuthority.random() });
    const record = await reply(served.id, 'The answer is 42.', { modelId: model });
    await repository.open(record.id);
    expect(await service.run(record.id)).toBe('skipped');
    expect((await prisma.spotCheck.findUnique({ where: { inferenceId: record.id } }))?.reason).toContain(
      'no healthy node of another operator',
    );
  });
});
