import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Prisma, PrismaService } from '@app/database';
import { jobIds, QueueName } from '@app/queue';
import { commitText } from '@app/receipts/receipt-hashes';
import { createContext, dbFactory } from '@app/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { SpotCheckModule } from './spot-check.module';
import { SpotCheckRepository } from './spot-check.repository';
import { SpotCheckService } from './spot-check.service';

const SALT = `0x${'5a'.repeat(32)}`;
// A model no persona of another file names, so no api of the run routes to these rows' nodes.
const MODEL = `embedded:spot-int-${randomBytes(3).toString('hex')}`;

describe('spot checks (PostgreSQL, BullMQ on Redis)', () => {
  let context: INestApplicationContext;
  let prisma: PrismaService;
  let service: SpotCheckService;
  let repository: SpotCheckRepository;
  let queue: Queue;

  beforeAll(async () => {
    context = await createContext([SpotCheckModule], [], {
      SPOT_CHECK_RATE: '1',
      REDIS_PREFIX: `spot-int-${randomBytes(4).toString('hex')}`,
    });
    prisma = context.get(PrismaService);
    service = context.get(SpotCheckService);
    repository = context.get(SpotCheckRepository);
    queue = context.get<Queue>(getQueueToken(QueueName.SpotChecks));
    await context.init();
  });
  afterAll(() => context.close());

  async function node(operatorId: string | null, status: 'active' | 'revoked' = 'active', model = MODEL) {
    return prisma.node.create({
      data: {
        address: Wallet.createRandom().address,
        name: 'n',
        url: 'http://127.0.0.1:9',
        operatorId,
        modelIds: [model],
        attestationKind: 'dev',
        attestation: {},
        status,
        lastHeartbeatAt: new Date(),
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
});
