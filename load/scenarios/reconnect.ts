import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { LatencyHistogram } from '../histogram';
import { UsageError } from '../args';
import { htmlPage } from '../html/page';
import { isLocalUrl } from '../process-cpu';
import { LoadPersona, prepareConversations, preparePersona, prepareUsers, SetupError } from '../setup';
import { idleCpu, reconnectCurve, tally, timeToShares } from '../connections/figures';
import { fdShortfall, ownMaxOpenFiles } from '../connections/limits';
import { ConnectError, connectErrorCode, openPaced } from '../connections/open-sockets';
import { parseConnectionArgs } from '../connections/options';
import { findApiProcess, readTicks } from '../connections/proc-memory';
import { ReconnectFigures, reconnectMarkdown, reconnectSections } from '../connections/reconnect-report';
import { JoinAck, ResumedReply } from '../connections/resumed-reply';
import type { Scenario, ScenarioResult } from './scenario';

const log = (line: string): void => void process.stderr.write(`[reconnect] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slow enough that every reply (about 20 tokens) still streams when the storm hits, 10 s after the first send, and
 * for its length: the storm, not replies ending, is what is measured.
 */
const DEFAULT_MODEL_ID = 'embedded:ttft=200,tps=1';
const SHARES = [0.5, 0.9, 0.99, 1];
const JOIN_TIMEOUT_MS = 15_000;

export const RECONNECT_USAGE = `Scenario reconnect: --users users connect (one socket.io /chat connection each); in streaming mode each sends one
message and, once every reply has streamed a token, all connections are dropped at once on the client side
(engine.close()). socket.io reconnects them with its jittered backoff; each then resumes its reply with
conversation:join (messageId + last seq, docs/realtime.md). Reports the time until 50/90/99/100% were back, connect
errors during the storm (RATE_LIMITED ...), and whether every reply came out whole: no seq gap, and the tokens join
into message:done's content.

Start the platform with SOCKET_CONNECTS_PER_MINUTE above twice --users (the storm's handshakes come from one
address; default 120 a minute) and SIGNUP_RATE_LIMIT_PER_HOUR above the users signed up.

  --users N               connections, one per consumer account (default 1000)
  --mode streaming|idle   a reply streaming on each connection, or none (default streaming)
  --model-id ID           the created persona's model (default ${DEFAULT_MODEL_ID}: replies last seconds)
  --ramp-per-s R          connections opened per second before the storm (default 200)
  --send-per-s R          streaming mode: messages sent per second, one per connection (default 100)
  --first-token-wait-s S  how long to wait for every reply's first token before dropping anyway (default 15)
  --timeout-s S           how long after the drop to wait for reconnections and replies (default 60)
  --url URL, --keys-file PATH, --setup-concurrency N, --persona SLUG, --creator-key KEY, --creator-key-file PATH,
  --verification V        as for chat-load
`;

const isMode = (mode: string): mode is 'streaming' | 'idle' => mode === 'streaming' || mode === 'idle';

export function parseReconnectArgs(argv: readonly string[], env: Record<string, string | undefined>) {
  const parsed = parseConnectionArgs(['--model-id', DEFAULT_MODEL_ID, ...argv], env, {
    numbers: {
      users: { fallback: 1000, min: 1, max: 100_000, integer: true },
      'ramp-per-s': { fallback: 200, min: 1, max: 100_000 },
      'send-per-s': { fallback: 100, min: 1, max: 100_000 },
      'first-token-wait-s': { fallback: 15, min: 0, max: 3600 },
      'timeout-s': { fallback: 60, min: 1, max: 3600 },
    },
    strings: ['mode'],
    shared: [
      'url',
      'keys-file',
      'setup-concurrency',
      'persona',
      'creator-key',
      'creator-key-file',
      'model-id',
      'verification',
    ],
  });
  const mode = parsed.strings.get('mode') ?? 'streaming';
  if (!isMode(mode)) throw new UsageError(`--mode must be streaming or idle, not "${mode}".`);
  return {
    load: parsed.load,
    users: parsed.numbers.users,
    mode,
    rampPerS: parsed.numbers['ramp-per-s'],
    sendPerS: parsed.numbers['send-per-s'],
    firstTokenWaitMs: parsed.numbers['first-token-wait-s'] * 1000,
    timeoutMs: parsed.numbers['timeout-s'] * 1000,
  };
}

/** One user's connection through the storm. */
interface Client {
  socket: Socket;
  reply?: ResumedReply;
  reconnectedMs?: number;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done() && performance.now() < until) await sleep(100);
}

async function runReconnect(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ScenarioResult> {
  const options = parseReconnectArgs(argv, env);
  const { load } = options;
  const startedAt = new Date().toISOString();
  const shortfall = fdShortfall('This generator', ownMaxOpenFiles(), options.users);
  if (shortfall) throw new SetupError(shortfall);

  const runTag = randomBytes(3).toString('hex');
  log(`setup: ${options.users} users (${options.mode})`);
  const { users, signedUp } = await prepareUsers(load, options.users, runTag);
  let persona: LoadPersona | undefined;
  let conversationIds: string[] = [];
  if (options.mode === 'streaming') {
    if (!users[0]) throw new SetupError('No consumer account to run with.');
    persona = await preparePersona(load, users[0].apiKey, runTag);
    const planned = users.map((_, index) => ({ index, arrivalMs: 0, thinkMs: [], warmup: false }));
    conversationIds = (await prepareConversations(load, users, persona, planned)).map(
      (c) => c.conversationId,
    );
  }

  log(`opening ${users.length} connections at ${options.rampPerS}/s`);
  const opened = await openPaced({
    url: load.url,
    keys: users.map((u) => u.apiKey),
    rampPerS: options.rampPerS,
    timeoutMs: 20_000,
    reconnection: true,
  });
  const clients: Client[] = [];
  opened.sockets.forEach((socket, i) => {
    if (!socket) return;
    const conversationId = conversationIds[i];
    clients.push({ socket, reply: conversationId ? new ResumedReply(conversationId) : undefined });
  });

  let droppedAt: number | undefined;
  let reconnected = 0;
  let attempts = 0;
  /** When the last connection came back, and the api's CPU ticks then: the storm's window. */
  let allBack: { ms: number; ticks?: number } | undefined;
  let readApiTicks = (): number | undefined => undefined;
  const errors: Record<string, number> = {};
  const droppedAgain: Record<string, number> = {};
  try {
    for (const client of clients) listen(client);

    if (options.mode === 'streaming') {
      // Paced: 1,000 replies sent in one second also end in one, and their writes then starve the database pool.
      const sendStart = performance.now();
      for (const [i, client] of clients.entries()) {
        const wait = sendStart + (i * 1000) / options.sendPerS - performance.now();
        if (wait >= 4) await sleep(wait);
        send(client);
      }
      log(`waiting for every reply's first token (at most ${options.firstTokenWaitMs / 1000} s)`);
      await waitUntil(
        () => clients.every((c) => c.reply?.outcome !== undefined || (c.reply?.tokens.tokens ?? 0) > 0),
        options.firstTokenWaitMs,
      );
    }

    const api = isLocalUrl(load.url) ? findApiProcess(Number(new URL(load.url).port || 80)) : undefined;
    if (api) readApiTicks = () => readTicks(api.pid);
    const ticksBefore = readApiTicks();
    log(`dropping ${clients.length} connections`);
    // This process's own load through the storm: a generator too busy to read its sockets would look like a slow api.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    droppedAt = performance.now();
    for (const client of clients) client.socket.io.engine.close();
    await waitUntil(
      () =>
        reconnected === clients.length &&
        clients.every((c) => c.reply === undefined || c.reply.outcome !== undefined),
      options.timeoutMs,
    );

    loopDelay.disable();
    const cpuUsed = process.cpuUsage(cpuBefore);
    const generator = {
      cpuPercent:
        Math.round(((cpuUsed.user + cpuUsed.system) / 1000 / (performance.now() - droppedAt)) * 1000) / 10,
      eventLoopDelayMs: {
        p50: Math.round(loopDelay.percentile(50) / 1e4) / 100,
        p99: Math.round(loopDelay.percentile(99) / 1e4) / 100,
        max: Math.round(loopDelay.max / 1e4) / 100,
      },
    };
    const reconnectMs = clients.flatMap((c) => (c.reconnectedMs === undefined ? [] : [c.reconnectedMs]));
    const histogram = new LatencyHistogram();
    reconnectMs.forEach((ms) => histogram.record(ms));
    const replies = clients.flatMap((c) => (c.reply ? [c.reply] : []));
    for (const reply of replies)
      if (!reply.outcome)
        reply.end(
          clients.find((c) => c.reply === reply)?.reconnectedMs === undefined
            ? 'not reconnected'
            : 'not finished in time',
        );
    const outcomes: Record<string, number> = {};
    const examples: Record<string, string> = {};
    for (const reply of replies) {
      const outcome = reply.outcome ?? 'not finished in time';
      tally(outcomes, outcome);
      if (!outcome.startsWith('whole'))
        examples[outcome] ??= `${reply.messageId ?? reply.conversationId}: ${reply.detail ?? ''}`;
    }
    const totalTokens = replies.reduce((sum, r) => sum + r.tokens.tokens, 0);
    const cpu = allBack && idleCpu(ticksBefore, allBack.ticks, allBack.ms, clients.length);

    const figures: ReconnectFigures = {
      startedAt,
      parameters: {
        url: load.url,
        users: users.length,
        signedUp,
        mode: options.mode,
        modelId: persona ? (persona.modelId ?? load.modelId) : undefined,
        persona: persona?.slug,
        rampPerS: options.rampPerS,
        sendPerS: options.mode === 'streaming' ? options.sendPerS : undefined,
        timeoutS: options.timeoutMs / 1000,
      },
      open: { opened: opened.opened, failed: opened.failures, connectMs: opened.connectMs.summary() },
      storm: {
        dropped: clients.length,
        reconnected,
        timeTo: timeToShares(reconnectMs, clients.length, SHARES),
        reconnectMs: histogram.summary(),
        attempts,
        errors,
        droppedAgain,
        apiCpu: api && cpu ? { ...cpu, pid: api.pid } : undefined,
        generator,
      },
      replies: persona
        ? {
            outcomes,
            examples,
            tokensMissedAndResent: replies.reduce((sum, r) => sum + r.missedTokens, 0),
            duplicateTokensDropped: replies.reduce((sum, r) => sum + r.tokens.duplicates, 0),
            duplicateTokensDiffering: replies.reduce((sum, r) => sum + r.tokens.conflicts, 0),
            tokensPerReply:
              replies.length > 0 ? Math.round((totalTokens / replies.length) * 10) / 10 : undefined,
          }
        : undefined,
      curve: reconnectCurve(reconnectMs),
    };
    return {
      json: figures,
      markdown: reconnectMarkdown(figures),
      html: htmlPage(`Reconnect storm: ${reconnected} of ${clients.length} back`, reconnectSections(figures)),
    };
  } finally {
    for (const client of clients) client.socket.close();
  }

  function listen(client: Client): void {
    const { socket, reply } = client;
    const ours = (e: { conversationId: string }): boolean => reply?.conversationId === e.conversationId;
    socket.on(
      'message:token',
      (e: { conversationId: string; messageId: string; seq: number; delta: string }) => {
        if (!ours(e) || !reply) return;
        // The token may beat the send's ack: it names the message too.
        reply.messageId ??= e.messageId;
        reply.token(e.seq, e.delta);
      },
    );
    socket.on('message:done', (e: { conversationId: string; content: string }) => {
      if (!ours(e)) return;
      if (droppedAt === undefined) reply?.end('ended before the drop');
      else reply?.done(e.content);
    });
    socket.on('message:error', (e: { conversationId: string; error?: { code?: string } }) => {
      if (ours(e)) reply?.error(e.error?.code);
    });
    socket.io.on('reconnect_attempt', () => {
      attempts += 1;
    });
    socket.on('connect_error', (error: ConnectError) => {
      if (droppedAt !== undefined) tally(errors, connectErrorCode(error));
    });
    socket.on('disconnect', (reason) => {
      if (client.reconnectedMs !== undefined) tally(droppedAgain, reason);
    });
    socket.on('connect', () => {
      if (droppedAt === undefined || client.reconnectedMs !== undefined) return;
      client.reconnectedMs = performance.now() - droppedAt;
      reconnected += 1;
      if (reconnected === clients.length) allBack = { ms: client.reconnectedMs, ticks: readApiTicks() };
      if (reply?.messageId) resume(socket, reply);
    });
  }

  function send(client: Client): void {
    const reply = client.reply;
    if (!reply) return;
    client.socket.emit(
      'message:send',
      {
        conversationId: reply.conversationId,
        content: 'Tell me a long story.',
        clientMessageId: randomUUID(),
      },
      (ack: { ok: boolean; assistantMessageId?: string; error?: { code?: string } }) => {
        if (!ack.ok) return reply.end('send refused', ack.error?.code);
        reply.messageId = ack.assistantMessageId;
      },
    );
  }
}

/** conversation:join with the reply's id and the last seq held: the ack brings what was missed, or the whole text. */
function resume(socket: Socket, reply: ResumedReply): void {
  reply.joining();
  socket.timeout(JOIN_TIMEOUT_MS).emit(
    'conversation:join',
    {
      conversationId: reply.conversationId,
      messageId: reply.messageId,
      afterSeq: reply.tokens.lastContiguousSeq(),
    },
    (error: Error | null, ack: JoinAck) => {
      if (error) return reply.end('join refused', 'no ack in time');
      reply.joined(ack);
    },
  );
}

export const reconnectScenario: Scenario = {
  name: 'reconnect',
  summary:
    'a reconnect storm: N connections (replies streaming) dropped at once; time to reconnect, resumes whole',
  usage: RECONNECT_USAGE,
  run: runReconnect,
};
