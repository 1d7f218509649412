import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import type { AttestationPolicy } from '@app/attestation';
import { DevAttestationAuthority } from '@app/attestation';
import { installProcessSafetyNet } from '@app/common';
import { AppConfig } from '@app/config';
import { parseLatencyProfile, splitTokens } from '@app/inference';
import {
  MAX_TOKENS_PER_CALL,
  parseChatData,
  PrivateChatClient,
  PrivateChatError,
  type PrivateRoute,
  SseParser,
} from '@app/privacy/client';
import type { ProofBundle } from '@app/receipts';
import { createTestDatabase, dropTestDatabase } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import pino from 'pino';
import { startRelay, type RunningRelay } from '../apps/relay/src/relay-server';
import { createApi } from '../apps/api/src/bootstrap';
import { difference, markdownTable, type Summary, summarize } from './overhead-stats';

// `npm run bench:private [-- --turns 100 --warmup 10 --latency local --out file.json]`: what private chat
// (chunked OHTTP through a relay to the in-process node's gateway, paid with a Privacy Pass token) adds to a
// streamed chat over the same completion sent directly with an API key. One run, arms interleaved, one turn at a
// time: it measures overhead, not throughput. Figures, not verdicts: nothing here asserts a time.
const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const TURNS = Number(args.get('turns') ?? 100);
const WARMUP = Number(args.get('warmup') ?? 10);
// Both arms reach the same embedded model with the same pacing; `instant` isolates the platform's own share.
const LATENCY = args.get('latency') ?? 'local';
const OUT = args.get('out');
const PROFILE = parseLatencyProfile(LATENCY);
if (!PROFILE)
  throw new Error(`--latency ${LATENCY}: a profile name (instant, local, hosted, slow) or ttft=<ms>,tps=<n>`);
const GAP_MS =
  Number.isFinite(PROFILE.tokensPerSecond) && PROFILE.tokensPerSecond > 0
    ? 1000 / PROFILE.tokensPerSecond
    : 0;
const MESSAGES = [{ role: 'user' as const, content: 'My dog is called Rex. Tell me something about dogs.' }];

interface Turn {
  ttftMs: number;
  e2eMs: number;
  chars: number;
  deltas: number;
  /** The embedded model's tokens (its own split of the text): the api may send several in one delta. */
  tokens: number;
}

/**
 * The embedded model releases token i at ttft + i·gap after it starts (one delta per token): what a turn took beyond
 * that schedule is the platform's share, comparable across arms whatever the reply's length. The prompt names the
 * user (a fresh handle each turn in both arms), and the embedded reply is a hash of the prompt, so lengths vary.
 */
function beyondSchedule(turn: Turn): { ttftMs: number; e2eMs: number } {
  return {
    ttftMs: turn.ttftMs - PROFILE!.ttftMs,
    e2eMs: turn.e2eMs - (PROFILE!.ttftMs + Math.max(0, turn.tokens - 1) * GAP_MS),
  };
}

interface PrivateTurn extends Turn {
  /** Bundle read through the relay + verifyReply: the CLI shows the text only after this. */
  verifyMs: number;
  /** Reads answered 404 because the receipt was not stored yet when the stream ended. */
  bundleRetries: number;
}

interface Platform {
  url: string;
  persona: { id: string; slug: string };
  consumerKey: string;
  /** One fresh consumer per direct turn, as each private turn is a fresh session: same prompt shape in both arms. */
  directKeys: string[];
  client: PrivateChatClient;
  route: PrivateRoute;
  relay: RunningRelay;
}

async function post<T>(url: string, path: string, body: unknown, key?: string): Promise<T> {
  const response = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function signUp(url: string, role: 'creator' | 'consumer' | 'operator'): Promise<{ apiKey: string }> {
  return post(url, '/v1/users', { handle: `bench-${role}-${randomUUID().slice(0, 8)}`, role });
}

async function setUp(url: string, config: AppConfig): Promise<Platform> {
  const [creator, consumer, operator] = await Promise.all([
    signUp(url, 'creator'),
    signUp(url, 'consumer'),
    signUp(url, 'operator'),
  ]);
  const persona = await post<{ id: string; slug: string }>(
    url,
    '/v1/personas',
    { name: 'Bench', personality: 'brisk', firstMessage: 'Hi', modelId: 'embedded' },
    creator.apiKey,
  );
  // Registered first: the relay sends its registry id to the gateway, and the client accepts only listed relays.
  const port = await freePort();
  const relayUrl = `http://127.0.0.1:${port}`;
  const registered = await post<{ id: string }>(
    url,
    '/v1/privacy/relays',
    { url: relayUrl, name: 'bench relay' },
    operator.apiKey,
  );
  const relay = await startRelay({
    apiUrl: url,
    port,
    host: '127.0.0.1',
    relayId: registered.id,
    logger: pino({ level: 'silent' }),
    // One client address sends every turn here; the per-address limit is for real clients.
    rateLimitPerMinute: 1_000_000,
  });
  // The in-process node's attestation is signed by this machine's dev CA: trust it, as the CLI does.
  const authority = await DevAttestationAuthority.loadOrCreate(config.node.devCaFile);
  const policy: AttestationPolicy = {
    now: new Date(),
    allowedMeasurements: null,
    devAuthorities: [authority.address],
  };
  const client = new PrivateChatClient({ apiUrl: url, relayUrl, attestationPolicy: policy });
  // The in-process node names no operator, so it cannot be the relay operator's: no exception is needed.
  const route = await client.route({ allowSameOperator: false });
  const directKeys: string[] = [];
  while (directKeys.length < WARMUP + TURNS)
    directKeys.push(
      ...(await Promise.all(Array.from({ length: 10 }, () => signUp(url, 'consumer')))).map((u) => u.apiKey),
    );
  return { url, persona, consumerKey: consumer.apiKey, directKeys, client, route, relay };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Bought before any turn and outside every timer, 16 per call, as a client would keep a purse of them. */
async function buyTokens(platform: Platform, count: number): Promise<Uint8Array[]> {
  const tokens: Uint8Array[] = [];
  while (tokens.length < count) {
    const batch = Math.min(MAX_TOKENS_PER_CALL, count - tokens.length);
    tokens.push(...(await platform.client.obtainTokens(platform.consumerKey, batch)));
  }
  return tokens;
}

/** The OpenAI-compatible endpoint with an API key, parsed with the same SSE parser the private client uses. */
async function directTurn(platform: Platform, key: string): Promise<Turn> {
  const sent = performance.now();
  const response = await fetch(`${platform.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    },
    body: JSON.stringify({ model: platform.persona.slug, stream: true, messages: MESSAGES }),
  });
  if (!response.ok || !response.body)
    throw new Error(`direct chat: ${response.status} ${await response.text()}`);
  const parser = new SseParser();
  let ttftMs = -1;
  let e2eMs = -1;
  let text = '';
  let deltas = 0;
  // Read to the end of the body (the connection's own end is not timed): [DONE] is where the client stops.
  for await (const piece of response.body as AsyncIterable<Uint8Array>) {
    for (const data of parser.push(piece)) {
      const event = parseChatData(data);
      if (event.type === 'error') throw new Error(`direct chat failed: ${event.code} ${event.message}`);
      if (event.type === 'delta' && event.text.length > 0) {
        if (ttftMs < 0) ttftMs = performance.now() - sent;
        text += event.text;
        deltas += 1;
      } else if (event.type === 'end' && e2eMs < 0) e2eMs = performance.now() - sent;
    }
  }
  if (ttftMs < 0 || e2eMs < 0) throw new Error('direct chat: the stream ended without a delta or [DONE]');
  return { ttftMs, e2eMs, chars: text.length, deltas, tokens: splitTokens(text).length };
}

/** Sealed, through the relay, to the gateway; then what the CLI does before showing the text. */
async function privateTurn(platform: Platform, token: Uint8Array): Promise<PrivateTurn> {
  const { client, route, persona } = platform;
  const sent = performance.now();
  let ttftMs = -1;
  let deltas = 0;
  let done: { inferenceId: string; content: string; sessionKey: string } | undefined;
  for await (const event of client.chat({ route, token, persona: persona.slug, messages: MESSAGES })) {
    if (event.type === 'delta') {
      if (ttftMs < 0 && event.text.length > 0) ttftMs = performance.now() - sent;
      deltas += 1;
    } else done = event;
  }
  const e2eMs = performance.now() - sent;
  if (!done || ttftMs < 0)
    throw new Error('private chat: the stream ended without a delta or its done event');
  const verifying = performance.now();
  const { bundle, retries } = await bundleWhenStored(platform, done.inferenceId, done.sessionKey);
  const result = await client.verifyReply(route, bundle, done.content, {
    expectedInferenceId: done.inferenceId,
  });
  const verifyMs = performance.now() - verifying;
  if (!result.ok) throw new Error(`private chat: the reply failed verification (${result.problem})`);
  return {
    ttftMs,
    e2eMs,
    chars: done.content.length,
    deltas,
    tokens: splitTokens(done.content).length,
    verifyMs,
    bundleRetries: retries,
  };
}

/** The receipt is stored as the reply ends; a read racing that write gets 404 for a moment. Polled tightly here
 * (the CLI waits 300 ms) so the figure is the platform's, not a poll interval's; the retries are counted. */
async function bundleWhenStored(
  platform: Platform,
  inferenceId: string,
  sessionKey: string,
): Promise<{ bundle: ProofBundle; retries: number }> {
  for (let retries = 0; ; retries++) {
    try {
      return { bundle: await platform.client.bundle(platform.route, inferenceId, sessionKey), retries };
    } catch (error) {
      const notYet = error instanceof PrivateChatError && error.party === 'api' && error.status === 404;
      if (!notYet || retries >= 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** CPU time of this whole process (api, gateway, relay, client, model) spent in one arm's turns, µs. */
async function timedCpu<T>(counter: { us: number }, work: () => Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(before);
    counter.us += used.user + used.system;
  }
}

interface Report {
  turns: number;
  warmup: number;
  latency: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  direct: {
    ttft: Summary;
    e2e: Summary;
    beyondSchedule: { ttft: Summary; e2e: Summary };
    cpuMsPerTurn: number;
    meanChars: number;
    meanDeltas: number;
    meanTokens: number;
  };
  private: {
    ttft: Summary;
    e2e: Summary;
    beyondSchedule: { ttft: Summary; e2e: Summary };
    verify: Summary;
    shown: Summary;
    cpuMsPerTurn: number;
    meanChars: number;
    meanDeltas: number;
    meanTokens: number;
    bundleRetries: number;
  };
  overhead: {
    ttft: Omit<Summary, 'n'>;
    e2e: Omit<Summary, 'n'>;
    e2eBeyondSchedule: Omit<Summary, 'n'>;
    shown: Omit<Summary, 'n'>;
  };
  samples: { direct: Turn[]; private: PrivateTurn[] };
}

async function run(platform: Platform): Promise<Report> {
  const tokens = await buyTokens(platform, WARMUP + TURNS);
  for (let i = 0; i < WARMUP; i++) {
    await directTurn(platform, platform.directKeys.shift()!);
    await privateTurn(platform, tokens.shift()!);
  }
  const loadAverageBefore = loadavg();
  const direct: Turn[] = [];
  const sealed: PrivateTurn[] = [];
  const directCpu = { us: 0 };
  const privateCpu = { us: 0 };
  for (let i = 0; i < TURNS; i++) {
    const key = platform.directKeys.shift()!;
    direct.push(await timedCpu(directCpu, () => directTurn(platform, key)));
    const token = tokens.shift()!;
    sealed.push(await timedCpu(privateCpu, () => privateTurn(platform, token)));
    if ((i + 1) % 25 === 0) console.error(`  ${i + 1}/${TURNS} turns per arm`);
  }
  const mean = (values: number[]): number =>
    Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
  const ttft = {
    direct: summarize(direct.map((t) => t.ttftMs)),
    private: summarize(sealed.map((t) => t.ttftMs)),
  };
  const e2e = {
    direct: summarize(direct.map((t) => t.e2eMs)),
    private: summarize(sealed.map((t) => t.e2eMs)),
  };
  const shown = summarize(sealed.map((t) => t.e2eMs + t.verifyMs));
  const beyond = (turns: Turn[]): { ttft: Summary; e2e: Summary } => {
    const excess = turns.map(beyondSchedule);
    return { ttft: summarize(excess.map((e) => e.ttftMs)), e2e: summarize(excess.map((e) => e.e2eMs)) };
  };
  const beyondDirect = beyond(direct);
  const beyondPrivate = beyond(sealed);
  return {
    turns: TURNS,
    warmup: WARMUP,
    latency: LATENCY,
    loadAverageBefore,
    loadAverageAfter: loadavg(),
    direct: {
      ttft: ttft.direct,
      e2e: e2e.direct,
      beyondSchedule: beyondDirect,
      cpuMsPerTurn: Math.round(directCpu.us / TURNS / 10) / 100,
      meanChars: mean(direct.map((t) => t.chars)),
      meanDeltas: mean(direct.map((t) => t.deltas)),
      meanTokens: mean(direct.map((t) => t.tokens)),
    },
    private: {
      ttft: ttft.private,
      e2e: e2e.private,
      beyondSchedule: beyondPrivate,
      verify: summarize(sealed.map((t) => t.verifyMs)),
      shown,
      cpuMsPerTurn: Math.round(privateCpu.us / TURNS / 10) / 100,
      meanChars: mean(sealed.map((t) => t.chars)),
      meanDeltas: mean(sealed.map((t) => t.deltas)),
      meanTokens: mean(sealed.map((t) => t.tokens)),
      bundleRetries: sealed.reduce((n, t) => n + t.bundleRetries, 0),
    },
    overhead: {
      ttft: difference(ttft.direct, ttft.private),
      e2e: difference(e2e.direct, e2e.private),
      e2eBeyondSchedule: difference(beyondDirect.e2e, beyondPrivate.e2e),
      shown: difference(e2e.direct, shown),
    },
    samples: { direct, private: sealed },
  };
}

function print(report: Report): void {
  const row = (name: string, s: Omit<Summary, 'n'>, cpu = ''): string[] => [
    name,
    s.p50.toFixed(1),
    s.p90.toFixed(1),
    s.p99.toFixed(1),
    cpu,
  ];
  const cpu = (ms: number): string => ms.toFixed(1);
  const { direct, private: sealed, overhead } = report;
  console.log(
    `\nPrivate chat overhead: ${report.turns} turns per arm after ${report.warmup} warm-up, interleaved, sequential; ` +
      `embedded model EMBEDDED_LATENCY=${report.latency}; load average ${report.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')} ` +
      `before, ${report.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after. ms.\n`,
  );
  console.log(
    markdownTable(
      ['', 'p50', 'p90', 'p99', 'CPU/turn'],
      [
        row('direct TTFT', direct.ttft),
        row('private TTFT', sealed.ttft),
        row('**TTFT overhead**', overhead.ttft),
        row('direct end to end', direct.e2e, cpu(direct.cpuMsPerTurn)),
        row('private end to end', sealed.e2e, cpu(sealed.cpuMsPerTurn)),
        row('**end-to-end overhead**', overhead.e2e, cpu(sealed.cpuMsPerTurn - direct.cpuMsPerTurn)),
        row('direct end to end beyond the model schedule', direct.beyondSchedule.e2e),
        row('private end to end beyond the model schedule', sealed.beyondSchedule.e2e),
        row('**overhead, length-normalized**', overhead.e2eBeyondSchedule),
        row('private receipt check (bundle via relay + verifyReply)', sealed.verify),
        row('private until shown (end to end + check)', sealed.shown),
        row('**until-shown overhead**', overhead.shown),
      ],
    ),
  );
  console.log(
    `\nReply: direct ${direct.meanChars} chars, ${direct.meanTokens} tokens in ${direct.meanDeltas} deltas; private ` +
      `${sealed.meanChars} chars, ${sealed.meanTokens} tokens in ${sealed.meanDeltas} deltas (means; lengths vary because the prompt names each turn's fresh user). ` +
      `Model schedule: TTFT ${PROFILE!.ttftMs} ms + ${GAP_MS.toFixed(1)} ms per further token. Overheads are percentile minus percentile, not per-turn pairs. ` +
      `Tokens bought up front, untimed. CPU/turn: this process's user+system time during the arm's turns; the api, ` +
      `the in-process gateway, the relay and the client all run here (Postgres and Redis are not counted). ` +
      `Bundle reads retried on 404: ${sealed.bundleRetries}.`,
  );
}

async function main(): Promise<void> {
  installProcessSafetyNet('Bench');
  const database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_PREFIX = database.name;
  const config = AppConfig.fromProcessEnv({
    LOG_LEVEL: 'error',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '10000000',
    SIGNUP_RATE_LIMIT_PER_HOUR: '10000000',
    CHAT_SENDS_PER_MINUTE: '10000000',
    CONVERSATIONS_PER_HOUR: '10000000',
    PRIVATE_TOKENS_PER_HOUR: '10000000',
    EMBEDDED_LATENCY: LATENCY,
  });
  let api: INestApplication | undefined;
  let relay: RunningRelay | undefined;
  try {
    api = await createApi(config);
    await api.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${((api.getHttpServer() as Server).address() as AddressInfo).port}`;
    const platform = await setUp(url, config);
    relay = platform.relay;
    const report = await run(platform);
    print(report);
    if (OUT) writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await relay?.close(0);
    await api?.close();
    await dropTestDatabase(database.name);
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
