import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { AnchorClient, DEV_ACCOUNTS, startDevChain } from '@app/settlement';
import { connectChat, createTestDatabase, dropTestDatabase } from '@app/testing';
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { installProcessSafetyNet } from '@app/common';
import { createApi } from '../apps/api/src/bootstrap';
import { LatencyHistogram, printTable } from '../load/histogram';

// `npm run bench:proofs [-- --replies 200 --rate 100 --seconds 10 --drain 1000 --zk 10]`: what verification costs
// and how fast it finalizes. The api (with the load driver) runs in this process, the worker as its own process,
// the chain in-process; the embedded model answers at zero latency so every figure is the platform's own.
const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const REPLIES = Number(args.get('replies') ?? 200);
const RATE = Number(args.get('rate') ?? 100);
const SECONDS = Number(args.get('seconds') ?? 10);
const DRAIN = Number(args.get('drain') ?? 1000);
const ZK_REPLIES = Number(args.get('zk') ?? 10);
const CONCURRENCY = 20;

type Level = 'none' | 'attested' | 'zk';

async function post<T>(url: string, path: string, body: unknown, key?: string): Promise<T> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Client {
  key: string;
  socket: Socket;
}

/** One reply, timed at the client: TTFT from send, and when message:done arrived. */
function reply(
  client: Client,
  conversationId: string,
  content: string,
): Promise<{ ttftMs: number; doneAt: number; inferenceId: string }> {
  const sent = performance.now();
  let messageId = '';
  let ttftMs = -1;
  return new Promise((resolve, reject) => {
    const onToken = (e: { messageId: string }): void => {
      if (e.messageId === messageId && ttftMs < 0) ttftMs = performance.now() - sent;
    };
    const onDone = (e: { messageId: string; inferenceId: string }): void => {
      if (e.messageId !== messageId) return;
      client.socket.off('message:token', onToken);
      client.socket.off('message:done', onDone);
      resolve({ ttftMs, doneAt: performance.now(), inferenceId: e.inferenceId });
    };
    client.socket.on('message:token', onToken);
    client.socket.on('message:done', onDone);
    client.socket
      .timeout(30_000)
      .emitWithAck('message:send', { conversationId, content, clientMessageId: randomUUID() })
      .then((ack: { ok: boolean; assistantMessageId: string; error?: unknown }) => {
        if (!ack.ok) reject(new Error(`send refused: ${JSON.stringify(ack.error)}`));
        messageId = ack.assistantMessageId;
      }, reject);
  });
}

class Platform {
  private constructor(
    readonly url: string,
    readonly prisma: PrismaService,
    private readonly personas: Record<Level, string>,
    private readonly clients: Client[],
  ) {}

  static async start(url: string, prisma: PrismaService, users: number): Promise<Platform> {
    const creator = await post<{ apiKey: string }>(url, '/v1/users', {
      handle: `c-${randomUUID().slice(0, 8)}`,
      role: 'creator',
    });
    const personas = {} as Record<Level, string>;
    for (const level of ['none', 'attested', 'zk'] as const)
      personas[level] = (
        await post<{ id: string }>(
          url,
          '/v1/personas',
          { name: `Bench ${level}`, verification: level },
          creator.apiKey,
        )
      ).id;
    const clients = await Promise.all(
      Array.from({ length: users }, async (_, i) => {
        const user = await post<{ apiKey: string }>(url, '/v1/users', {
          handle: `u${i}-${randomUUID().slice(0, 6)}`,
          role: 'consumer',
        });
        return { key: user.apiKey, socket: await connectChat(url, user.apiKey) };
      }),
    );
    return new Platform(url, prisma, personas, clients);
  }

  client(i: number): Client {
    return this.clients[i % this.clients.length];
  }

  async conversation(client: Client, level: Level): Promise<string> {
    return (
      await post<{ id: string }>(
        this.url,
        '/v1/conversations',
        { personaId: this.personas[level] },
        client.key,
      )
    ).id;
  }

  close(): void {
    this.clients.forEach((c) => c.socket.disconnect());
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Receipts verified per second by one worker: replies made with no worker running, then one worker drains them. */
async function benchDrain(platform: Platform, startWorker: () => ChildProcess): Promise<ChildProcess> {
  const conversations = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) => platform.conversation(platform.client(i), 'attested')),
  );
  let made = 0;
  await Promise.all(
    conversations.map(async (conversationId, i) => {
      while (made < DRAIN) {
        made++;
        await reply(platform.client(i), conversationId, 'Remember that I like tea.');
      }
    }),
  );
  const pending = await platform.prisma.inferenceRecord.count({ where: { status: 'pending' } });
  const worker = startWorker();
  // Timed from the first receipt attested, so the worker's start-up is not counted.
  await until(
    async () => (await platform.prisma.inferenceRecord.count({ where: { status: 'pending' } })) < pending,
    60_000,
  );
  const started = performance.now();
  await until(
    async () => (await platform.prisma.inferenceRecord.count({ where: { status: 'pending' } })) === 0,
    300_000,
  );
  const seconds = (performance.now() - started) / 1000;
  printTable(
    'Receipt verification by one worker process (signature, input/output hashes, node attestation, batch leaf)',
    {
      proofs: {
        receipts: String(pending),
        seconds: seconds.toFixed(2),
        'receipts/s': (pending / seconds).toFixed(0),
      },
    },
  );
  return worker;
}

/** TTFT with verification none and attested, interleaved in the same run. */
async function benchTtft(platform: Platform): Promise<void> {
  const ttft: Record<'none' | 'attested', LatencyHistogram> = {
    none: new LatencyHistogram(),
    attested: new LatencyHistogram(),
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const client = platform.client(i);
      const conversations = {
        none: await platform.conversation(client, 'none'),
        attested: await platform.conversation(client, 'attested'),
      };
      for (let turn = 0; turn < REPLIES / CONCURRENCY; turn++)
        for (const level of ['none', 'attested'] as const)
          ttft[level].record(
            (await reply(client, conversations[level], `Turn ${turn}: tell me more.`)).ttftMs,
          );
    }),
  );
  const none = ttft.none.row();
  const attested = ttft.attested.row();
  printTable(`TTFT, verification none vs attested, ${CONCURRENCY} concurrent chats, interleaved (ms)`, {
    none,
    attested,
    'ratio attested/none': {
      p50: (Number(attested.p50) / Number(none.p50)).toFixed(2),
      p99: (Number(attested.p99) / Number(none.p99)).toFixed(2),
    },
  });
}

/** Open-model arrivals at RATE chats/s: lag from message:done to the proof:update saying anchored. */
async function benchFinalization(platform: Platform): Promise<void> {
  const total = RATE * SECONDS;
  const conversations = await Promise.all(
    Array.from({ length: total }, (_, i) => platform.conversation(platform.client(i), 'attested')),
  );
  const lag = new LatencyHistogram();
  const attestLag = new LatencyHistogram();
  const ttft = new LatencyHistogram();
  const anchoredAt = new Map<string, number>();
  const attestedAt = new Map<string, number>();
  for (let i = 0; i < Math.min(total, 1_000_000); i++) {
    const socket = platform.client(i).socket;
    if (socket.listeners('proof:update').length > 0) continue;
    socket.on('proof:update', (u: { inferenceId: string; status: string }) => {
      if (u.status === 'anchored') anchoredAt.set(u.inferenceId, performance.now());
      if (u.status === 'attested') attestedAt.set(u.inferenceId, performance.now());
    });
  }
  const done: { inferenceId: string; doneAt: number }[] = [];
  const errors = new Map<string, number>();
  const started = performance.now();
  let due = started;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    due += -Math.log(1 - Math.random()) * (1000 / RATE);
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sends.push(
      reply(platform.client(i), conversations[i], 'My sister lives in Porto.').then(
        (r) => {
          ttft.record(r.ttftMs);
          done.push(r);
        },
        (error: unknown) => {
          const code = /"code":"(\w+)"/.exec(String(error))?.[1] ?? 'TIMEOUT';
          errors.set(code, (errors.get(code) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(sends);
  const offeredSeconds = (performance.now() - started) / 1000;
  await until(() => Promise.resolve(done.every((d) => anchoredAt.has(d.inferenceId))), 120_000).catch(
    () => undefined,
  );
  for (const d of done) {
    const anchored = anchoredAt.get(d.inferenceId);
    if (anchored) lag.record(anchored - d.doneAt);
    const attested = attestedAt.get(d.inferenceId);
    if (attested) attestLag.record(attested - d.doneAt);
  }
  printTable(
    `Proof finalization under ${RATE} chats/s for ${SECONDS} s (Poisson; ${(done.length / offeredSeconds).toFixed(0)}/s completed; ${lag.count}/${total} anchored; refused: ${JSON.stringify(Object.fromEntries(errors))}), ms`,
    { TTFT: ttft.row(), 'done → attested': attestLag.row(), 'done → anchored': lag.row() },
  );
}

/** ZK proving time next to the inference it proves, from what the worker recorded. */
async function benchZk(platform: Platform): Promise<void> {
  const client = platform.client(0);
  const conversationId = await platform.conversation(client, 'zk');
  const ids: string[] = [];
  for (let i = 0; i < ZK_REPLIES; i++)
    ids.push((await reply(client, conversationId, `Thanks! Reply ${i}, please.`)).inferenceId);
  await until(
    async () =>
      (await platform.prisma.proof.count({ where: { kind: 'zk', inferenceId: { in: ids } } })) === ids.length,
    120_000,
  );
  const proofs = await platform.prisma.proof.findMany({
    where: { kind: 'zk', inferenceId: { in: ids } },
    include: { inference: true },
  });
  const proving = new LatencyHistogram();
  const inference = new LatencyHistogram();
  for (const proof of proofs) {
    proving.record(proof.provingMs ?? 0);
    inference.record(proof.inference.totalMs ?? 0);
  }
  const p = proving.row();
  const n = inference.row();
  printTable(`ZK proving vs inference, ${proofs.length} replies (ms)`, {
    'Groth16 proving': p,
    'inference (embedded, zero latency)': n,
    'ratio proving/inference': { p50: (Number(p.p50) / Math.max(Number(n.p50), 0.01)).toFixed(0) },
  });
}

async function main(): Promise<void> {
  installProcessSafetyNet('Bench');
  const root = join(__dirname, '..', '..');
  const database = await createTestDatabase();
  const chain = await startDevChain();
  const anchor = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: DEV_ACCOUNTS[0].privateKey });
  anchor.close();
  const env = {
    DATABASE_URL: database.url,
    REDIS_PREFIX: database.name,
    CHAIN_RPC_URL: chain.rpcUrl,
    ANCHOR_CONTRACT: anchor.contractAddress,
    CHAIN_PRIVATE_KEY: DEV_ACCOUNTS[0].privateKey,
    LOG_LEVEL: 'error',
    RATE_LIMIT_PER_MINUTE: '10000000',
    SIGNUP_RATE_LIMIT_PER_HOUR: '10000000',
    CHAT_SENDS_PER_MINUTE: '10000000',
    EMBEDDED_LATENCY: 'instant',
  };
  const config = AppConfig.fromProcessEnv({ ...env, PORT: '0', HOST: '127.0.0.1' });
  const workers: ChildProcess[] = [];
  const startWorker = (): ChildProcess => {
    const worker = fork(join(root, 'dist/apps/worker/src/main.js'), { env: { ...process.env, ...env } });
    workers.push(worker);
    return worker;
  };
  let api: INestApplication | undefined;
  let platform: Platform | undefined;
  try {
    api = await createApi(config);
    await api.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${((api.getHttpServer() as Server).address() as AddressInfo).port}`;
    // Enough users that no one passes the per-user send limit (30 a minute).
    platform = await Platform.start(
      url,
      api.get(PrismaService),
      Math.max(CONCURRENCY, Math.ceil((RATE * SECONDS) / 25)),
    );
    await benchDrain(platform, startWorker);
    await benchTtft(platform);
    await benchFinalization(platform);
    await benchZk(platform);
  } finally {
    platform?.close();
    workers.forEach((w) => w.kill('SIGTERM'));
    await api?.close();
    await chain.stop();
    await dropTestDatabase(database.name);
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
