import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { htmlPage } from '../html/page';
import { isLocalUrl } from '../process-cpu';
import { prepareUsers, SetupError } from '../setup';
import { formatBytes, idleCpu, memoryPerConnection, tally } from '../connections/figures';
import { HealthProbe } from '../connections/health-probe';
import { IdleFigures, idleMarkdown, idleSections } from '../connections/idle-report';
import { fdShortfall, ownMaxOpenFiles } from '../connections/limits';
import { keysForConnections, openPaced } from '../connections/open-sockets';
import { parseConnectionArgs } from '../connections/options';
import { findApiProcess, ProcessMemory, readMemory, readTicks } from '../connections/proc-memory';
import type { Scenario, ScenarioResult } from './scenario';

const log = (line: string): void => void process.stderr.write(`[idle] ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const IDLE_USAGE = `Scenario idle: opens --connections socket.io /chat connections (websocket, authenticated as real clients) at
--ramp-per-s, holds them idle for --hold-s, and reports how many opened (failures by code), connect latency, the
api's resident memory before and after (memory per connection), its CPU while idle, and GET /health latency during
the hold. Memory and CPU need the platform on this machine (--url on localhost): they are read from /proc.

The platform must let this many handshakes in from one address: start it with SOCKET_CONNECTS_PER_MINUTE and
CHAT_CONNECTS_PER_MINUTE above the ramp (e.g. 1000000; defaults 120 per address and 60 per user a minute) and
SIGNUP_RATE_LIMIT_PER_HOUR above the users signed up. Each socket is an open file here and in the api: ulimit -n
must exceed --connections in both shells.

  --connections N         connections to open and hold (default 10000)
  --ramp-per-s R          connections started per second (default 500)
  --hold-s S              seconds to hold them all open (default 60)
  --per-user N            connections per consumer account (default 50; users = connections / N)
  --health-every-ms MS    GET /health this often during the hold (default 1000)
  --connect-timeout-s S   a handshake not done by then fails as "timeout" (default 20)
  --url URL, --keys-file PATH, --setup-concurrency N   as for chat-load
`;

/**
 * An api that once held much more than it holds now keeps those pages (V8 and the allocator rarely give them back),
 * and new connections reuse them: the RSS growth then understates what a connection costs. Say so (10% margin).
 */
export function retainedMemoryWarning(before: ProcessMemory | undefined): string | undefined {
  if (!before || before.peakRssBytes <= before.rssBytes * 1.1) return undefined;
  return (
    `The api's RSS peaked at ${formatBytes(before.peakRssBytes)} before this run (now ${formatBytes(before.rssBytes)}): ` +
    'memory it kept from earlier load is reused by new connections, so memory per connection is understated. ' +
    'Measure against a freshly started api.'
  );
}

export function parseIdleArgs(argv: readonly string[], env: Record<string, string | undefined>) {
  const parsed = parseConnectionArgs(argv, env, {
    numbers: {
      connections: { fallback: 10_000, min: 1, max: 1_000_000, integer: true },
      'ramp-per-s': { fallback: 500, min: 1, max: 100_000 },
      'hold-s': { fallback: 60, min: 0, max: 86_400 },
      'per-user': { fallback: 50, min: 1, max: 100_000, integer: true },
      'health-every-ms': { fallback: 1000, min: 50, max: 600_000 },
      'connect-timeout-s': { fallback: 20, min: 1, max: 600 },
    },
    shared: ['url', 'keys-file', 'setup-concurrency'],
  });
  const n = parsed.numbers;
  return {
    load: parsed.load,
    connections: n.connections,
    rampPerS: n['ramp-per-s'],
    holdS: n['hold-s'],
    perUser: n['per-user'],
    healthEveryMs: n['health-every-ms'],
    connectTimeoutMs: n['connect-timeout-s'] * 1000,
  };
}

async function runIdle(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ScenarioResult> {
  const options = parseIdleArgs(argv, env);
  const { load, connections } = options;
  const startedAt = new Date().toISOString();
  const generatorMaxOpenFiles = ownMaxOpenFiles();
  const ownShortfall = fdShortfall('This generator', generatorMaxOpenFiles, connections);
  if (ownShortfall) throw new SetupError(ownShortfall);

  const wantedUsers = Math.ceil(connections / options.perUser);
  log(`setup: ${wantedUsers} users for ${connections} connections`);
  const { users, signedUp } = await prepareUsers(load, wantedUsers, randomBytes(3).toString('hex'));
  const keys = keysForConnections(
    users.map((u) => u.apiKey),
    connections,
    options.perUser,
  );

  const warnings: string[] = [];
  let apiNotMeasured: string | undefined;
  const url = new URL(load.url);
  const api = isLocalUrl(load.url)
    ? findApiProcess(Number(url.port || (url.protocol === 'https:' ? 443 : 80)))
    : undefined;
  if (!isLocalUrl(load.url)) apiNotMeasured = 'the platform is not on this machine (/proc cannot see it)';
  else if (!api)
    apiNotMeasured = `no api process (dist/apps/api/src/main.js) found listening on port ${url.port}`;
  const apiShortfall = fdShortfall('The api', api?.maxOpenFiles, connections);
  if (apiShortfall) warnings.push(apiShortfall);
  if (apiShortfall) log(`warning: ${apiShortfall}`);

  const before = api ? readMemory(api.pid) : undefined;
  const retained = retainedMemoryWarning(before);
  if (retained) {
    warnings.push(retained);
    log(`warning: ${retained}`);
  }
  const runStart = performance.now();
  let open = 0;
  const dropped: Record<string, number> = {};
  const timeline: IdleFigures['timeline'] = [];
  const sampler = setInterval(() => {
    const rss = api ? readMemory(api.pid)?.rssBytes : undefined;
    timeline.push({
      tS: Math.round((performance.now() - runStart) / 100) / 10,
      open,
      rssMiB: rss === undefined ? undefined : Math.round((rss / 1024 / 1024) * 10) / 10,
    });
  }, 1000);

  let sockets: (Socket | undefined)[] = [];
  try {
    log(`opening ${connections} connections at ${options.rampPerS}/s`);
    const opened = await openPaced({
      url: load.url,
      keys,
      rampPerS: options.rampPerS,
      timeoutMs: options.connectTimeoutMs,
      reconnection: false,
      progress: (ok, failed) => {
        open = ok;
        log(`${ok} open, ${failed} failed`);
      },
    });
    sockets = opened.sockets;
    open = opened.opened;
    let closing = false;
    for (const socket of sockets)
      socket?.on('disconnect', (reason) => {
        if (closing) return;
        open -= 1;
        tally(dropped, reason);
      });
    const afterOpen = api ? readMemory(api.pid) : undefined;
    log(`${opened.opened} open, holding ${options.holdS} s`);

    const ticksBefore = api ? readTicks(api.pid) : undefined;
    const holdStart = performance.now();
    const health = new HealthProbe(load.url, options.healthEveryMs).begin();
    await sleep(options.holdS * 1000);
    const holdMs = performance.now() - holdStart;
    const ticksAfter = api ? readTicks(api.pid) : undefined;
    const endOfHold = api ? readMemory(api.pid) : undefined;
    await health.stop();
    const openAtEnd = open;

    closing = true;
    sockets.forEach((socket) => socket?.close());
    // The api frees a closed socket's memory lazily; a moment lets most of it go before the last reading.
    await sleep(2000);
    const afterClose = api ? readMemory(api.pid) : undefined;

    const figures: IdleFigures = {
      startedAt,
      parameters: {
        url: load.url,
        connections,
        rampPerS: options.rampPerS,
        holdS: options.holdS,
        perUser: options.perUser,
        users: users.length,
        signedUp,
        healthEveryMs: options.healthEveryMs,
      },
      limits: { generatorMaxOpenFiles, apiMaxOpenFiles: api?.maxOpenFiles, warnings },
      open: {
        opened: opened.opened,
        failed: opened.failures,
        failureExamples: opened.failureExamples,
        elapsedS: Math.round(opened.elapsedMs / 100) / 10,
        connectMs: opened.connectMs.summary(),
      },
      hold: {
        seconds: Math.round(holdMs / 100) / 10,
        dropped,
        openAtEnd,
        health: { ms: health.latencyMs.summary(), failures: health.failures },
      },
      api: api && {
        pid: api.pid,
        foundBy: api.foundBy,
        rssBeforeBytes: before?.rssBytes,
        rssAfterOpenBytes: afterOpen?.rssBytes,
        rssEndOfHoldBytes: endOfHold?.rssBytes,
        rssAfterCloseBytes: afterClose?.rssBytes,
        peakRssBytes: afterClose?.peakRssBytes,
        openFdsAtEndOfHold: endOfHold?.openFds,
        memoryPerConnectionBytes: memoryPerConnection(before?.rssBytes, endOfHold?.rssBytes, openAtEnd),
        idleCpu: idleCpu(ticksBefore, ticksAfter, holdMs, openAtEnd),
      },
      apiNotMeasured,
      timeline,
      healthPoints: health.points,
    };
    const failed = Object.values(opened.failures).reduce((a, b) => a + b, 0);
    if (failed > 0 && Object.keys(opened.failures).some((code) => /RATE_LIMITED|: 403/.test(code)))
      warnings.push(
        'Handshakes were rate limited: start the platform with SOCKET_CONNECTS_PER_MINUTE and ' +
          'CHAT_CONNECTS_PER_MINUTE above the ramp, or lower --ramp-per-s / --per-user.',
      );
    return {
      json: figures,
      markdown: idleMarkdown(figures),
      html: htmlPage(`Idle connections: ${opened.opened} held`, idleSections(figures)),
    };
  } finally {
    clearInterval(sampler);
    sockets.forEach((socket) => socket?.close());
  }
}

export const idleScenario: Scenario = {
  name: 'idle',
  summary: 'hold N idle socket.io connections; memory per connection, idle CPU, /health latency',
  usage: IDLE_USAGE,
  run: runIdle,
};
