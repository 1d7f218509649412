// Faults in the proof pipeline: a chain that goes down, a worker killed with SIGKILL mid-batch, Redis restarted
// with nothing on disk. This file has its own database, Redis server, chain and worker processes, so it can break
// them without touching the rest of the run, and nothing outside it can quietly finish its work for it.
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import {
  AnchorClient,
  DEV_ACCOUNTS,
  DevChain,
  receiptAnchorInterface,
  startDevChain,
  verifyInclusion,
} from '@app/settlement';
import { bullPrefix, jobIds, QueueName, redisConnectionOptions } from '@app/queue';
import { connectChat, createTestDatabase, dropTestDatabase, startReply, TestDatabase } from '@app/testing';
import { Queue } from 'bullmq';
import { ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { ChainProxy, forkWorker, kill, RedisServerProcess } from './support/isolated-services';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');

// Worker processes start, die and recover here; on a busy CI machine that takes a while.
jest.setTimeout(90_000);

describe('proof pipeline faults: chain down, worker killed, Redis restarted (e2e)', () => {
  let database: TestDatabase;
  let redis: RedisServerProcess;
  let chain: DevChain;
  let proxy: ChainProxy;
  let anchorContract: string;
  let env: Record<string, string>;
  let api: ApiHarness;
  let prisma: PrismaService;
  let consumer: TestUser;
  let personaId: string;
  let socket: Socket;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The killed worker must be a real process: build what `npm start` runs.
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    [database, redis, chain] = await Promise.all([
      createTestDatabase(),
      RedisServerProcess.start(),
      startDevChain(),
    ]);
    const deployer = await AnchorClient.deploy({
      rpcUrl: chain.rpcUrl,
      privateKey: DEV_ACCOUNTS[0].privateKey,
    });
    anchorContract = deployer.contractAddress;
    deployer.close();
    proxy = await ChainProxy.start(chain.rpcUrl);
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      CHAIN_RPC_URL: proxy.rpcUrl,
      ANCHOR_CONTRACT: anchorContract,
      CHAIN_PRIVATE_KEY: DEV_ACCOUNTS[0].privateKey,
      BATCH_MAX_SIZE: '4',
      BATCH_MAX_AGE_MS: '800',
      RECONCILE_INTERVAL_MS: '400',
      // A killed worker's jobs go back to the queue after this long, instead of BullMQ's default 30 s.
      JOB_LOCK_MS: '1000',
      LOG_LEVEL: 'error',
      NODE_ENV: 'test',
    };
    api = await startApi({ ...env, EMBEDDED_LATENCY: 'ttft=20,tps=200' });
    prisma = new PrismaService(AppConfig.fromProcessEnv(env));
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    personaId = (
      await createPersona(api.url, creator, {
        name: 'Quill',
        personality: 'careful',
        verification: 'attested',
      })
    ).id;
    socket = await connectChat(api.url, consumer.apiKey);
  }, 120_000);

  afterAll(async () => {
    socket?.disconnect();
    await Promise.all(workers.map(kill));
    await api?.close();
    await prisma?.$disconnect();
    await proxy?.down();
    await chain?.stop();
    await redis?.stop();
    if (database) await dropTestDatabase(database.name);
  });

  async function startWorker(overrides: Record<string, string> = {}): Promise<ChildProcess> {
    const worker = await forkWorker(ROOT, { ...env, ...overrides });
    workers.push(worker);
    return worker;
  }

  async function waitForStatuses(ids: string[], wanted: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const now = await statuses(ids);
        return now.length === ids.length && now.every((status) => status === wanted);
      },
      `all ${ids.length} receipts ${wanted}`,
      timeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; they are ${JSON.stringify(await statuses(ids))}`);
    });
  }

  /** How many times the anchor job of each batch the receipts are in has failed so far (from BullMQ). */
  async function anchorFailures(ids: string[]): Promise<number[]> {
    const records = await prisma.inferenceRecord.findMany({
      where: { id: { in: ids } },
      select: { batchId: true },
    });
    const batchIds = [...new Set(records.map((record) => record.batchId))];
    const queue = new Queue(QueueName.Settlement, {
      connection: redisConnectionOptions(redis.url),
      prefix: bullPrefix(AppConfig.fromProcessEnv(env).redisPrefix),
    });
    try {
      return await Promise.all(
        batchIds.map(async (batchId) =>
          batchId ? ((await queue.getJob(jobIds.anchorBatch(batchId)))?.attemptsMade ?? 0) : 0,
        ),
      );
    } finally {
      await queue.close();
    }
  }

  /** Batches of this test (numbered after `since`) by whether they are anchored, counting only those with receipts. */
  async function batchesAfter(since: number): Promise<{ anchored: number; notAnchoredWithReceipts: number }> {
    const batches = await prisma.settlementBatch.findMany({
      where: { number: { gt: since } },
      select: { status: true, _count: { select: { inferences: true } } },
    });
    return {
      anchored: batches.filter((batch) => batch.status === 'anchored').length,
      notAnchoredWithReceipts: batches.filter(
        (batch) => batch.status !== 'anchored' && batch._count.inferences > 0,
      ).length,
    };
  }

  /** Sends `count` messages in one new conversation and returns the replies' inference ids. */
  async function chat(count: number): Promise<string[]> {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const ids: string[] = [];
    for (let turn = 0; turn < count; turn++) {
      const started = await startReply(
        socket,
        conversation.body.id,
        `Note number ${turn}: the tide is high.`,
      );
      expect(started.ack).toMatchObject({ ok: true });
      const reply = await started.reply;
      ids.push(reply.done!.inferenceId);
    }
    return ids;
  }

  async function statuses(ids: string[]): Promise<string[]> {
    const rows = await prisma.inferenceRecord.findMany({
      where: { id: { in: ids } },
      select: { status: true },
    });
    return rows.map((row) => row.status);
  }

  const waitUntilAnchored = (ids: string[], timeoutMs = 45_000): Promise<void> =>
    waitForStatuses(ids, 'anchored', timeoutMs);

  /** Every anchored batch's root is on chain exactly once, and every receipt's proof leads to its batch's root. */
  async function expectAnchoredExactlyOnce(ids: string[]): Promise<void> {
    const logs = await fetch(chain.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_getLogs',
        params: [{ address: anchorContract, fromBlock: '0x0', toBlock: 'latest' }],
      }),
    }).then(async (response) => (await response.json()) as { result: { topics: string[]; data: string }[] });
    const anchoredRoots = logs.result
      .map((log) => receiptAnchorInterface.parseLog(log))
      .filter((parsed) => parsed?.name === 'Anchored')
      .map((parsed) => String(parsed!.args.root));
    expect(new Set(anchoredRoots).size).toBe(anchoredRoots.length);
    const records = await prisma.inferenceRecord.findMany({
      where: { id: { in: ids } },
      include: { batch: true, proofs: { where: { kind: 'merkle' } } },
    });
    for (const record of records) {
      expect(record.batch).toMatchObject({ status: 'anchored' });
      expect(anchoredRoots).toContain(record.batch!.root);
      const merkle = record.proofs[0].data as { proof: string[] };
      expect(verifyInclusion(record.batch!.root!, record.digest!, merkle.proof)).toBe(true);
    }
    const batches = await prisma.settlementBatch.findMany({ where: { status: 'anchored' } });
    expect(batches.map((batch) => batch.root).sort()).toEqual([...anchoredRoots].sort());
  }

  it('keeps receipts attested while the chain is down, and anchors them once it is back', async () => {
    const worker = await startWorker();
    await proxy.down();
    const ids = await chat(4);
    await waitForStatuses(ids, 'attested');
    // Not a pause: wait until the anchor job really tried the dead chain and failed; it retries with backoff.
    await waitFor(
      async () => (await anchorFailures(ids)).every((failures) => failures >= 1),
      'the anchor job to fail against the dead chain',
    );
    expect(await statuses(ids)).toEqual(['attested', 'attested', 'attested', 'attested']);
    await proxy.up();
    await waitUntilAnchored(ids);
    await expectAnchoredExactlyOnce(ids);
    await kill(worker);
  });

  it('loses nothing and anchors nothing twice when a worker is killed mid-batch', async () => {
    const before = (await prisma.settlementBatch.aggregate({ _max: { number: true } }))._max.number ?? 0;
    const first = await startWorker();
    const sent = chat(10);
    // Kill the worker mid-batch: once it has anchored a batch and assigned receipts to another it has not anchored.
    const midBatch = async () => {
      const batches = await batchesAfter(before);
      return batches.anchored >= 1 && batches.notAnchoredWithReceipts >= 1;
    };
    await waitFor(midBatch, 'a batch anchored and another holding receipts, not anchored', 20_000, 10);
    await kill(first);
    // Only a worker moves batches on, and none is running: this is what the SIGKILL interrupted.
    expect(await midBatch()).toBe(true);
    const ids = await sent;
    expect((await statuses(ids)).filter((status) => status === 'anchored').length).toBeLessThan(ids.length);
    const second = await startWorker();
    await waitUntilAnchored(ids);
    await expectAnchoredExactlyOnce(ids);
    await kill(second);
  });

  it('recovers the work a Redis restart erased: pending receipts and open batches are found in Postgres', async () => {
    // Batches close after 5 s here, so the open batch is certainly still waiting when Redis goes.
    await startWorker({ BATCH_MAX_AGE_MS: '5000' });
    const ids = await chat(3);
    await waitForStatuses(ids, 'attested');
    const [batch] = await prisma.settlementBatch.findMany({
      where: { inferences: { some: { id: { in: ids } } } },
      include: { _count: { select: { inferences: true } } },
    });
    // An open batch (3 of 4) waits on a delayed job in Redis; restarting Redis with nothing on disk erases it,
    // and every other queued job with it.
    expect(batch).toMatchObject({ status: 'open', _count: { inferences: 3 } });
    await redis.restart();
    // Sends are refused while the api has no Redis (chatSend decides 'refuse' when it is down): wait until it has
    // reconnected, which takes longer on a loaded machine (the whole suite), as a client would retry.
    await waitFor(
      async () => (await request(api.url).get('/health')).body?.checks?.redis === 'up',
      'the api to reconnect to the restarted Redis',
      20_000,
    );
    const more = await chat(2);
    await waitUntilAnchored([...ids, ...more], 20_000);
    await expectAnchoredExactlyOnce([...ids, ...more]);
  });
});
