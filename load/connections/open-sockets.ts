import { io, Socket } from 'socket.io-client';
import { LatencyHistogram } from '../histogram';
import { tally } from './figures';

/** socket.io-client's connect_error: the gateway's data, or engine.io's TransportError with the ws error inside. */
export type ConnectError = Error & { data?: { code?: unknown }; description?: { message?: unknown } };

/**
 * A refused or failed handshake's code: the gateway's `connect_error` data code, else socket.io's message with the
 * WebSocket's own reason ("websocket error: read ECONNRESET", "...: Unexpected server response: 403").
 */
export function connectErrorCode(error: ConnectError): string {
  if (typeof error.data?.code === 'string') return error.data.code;
  const reason = typeof error.description?.message === 'string' ? error.description.message : undefined;
  const message = error.message || 'CONNECT_FAILED';
  return reason ? `${message}: ${reason}` : message;
}

/** A /chat socket as a real client opens it (load/socket-target.ts): websocket straight away, the key in the handshake. */
export function chatSocket(
  url: string,
  apiKey: string,
  options: { reconnection: boolean; timeoutMs: number },
): Socket {
  return io(`${url}/chat`, {
    auth: { token: apiKey },
    transports: ['websocket'],
    forceNew: true,
    reconnection: options.reconnection,
    timeout: options.timeoutMs,
  });
}

export interface OpenPlan {
  url: string;
  /** One API key per connection to open (a user's key repeats for each of its connections). */
  keys: readonly string[];
  rampPerS: number;
  timeoutMs: number;
  /** Left on for the reconnect storm: socket.io then reconnects on its own, with its jittered backoff. */
  reconnection: boolean;
  progress?: (opened: number, failed: number) => void;
}

export interface OpenOutcome {
  /** The sockets that connected, by connection index (failed ones are missing). */
  sockets: (Socket | undefined)[];
  opened: number;
  failures: Record<string, number>;
  /** One message for each failure code, as the first one of that code said it. */
  failureExamples: Record<string, string>;
  /** From starting the handshake to `connect`. */
  connectMs: LatencyHistogram;
  elapsedMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens the connections at `rampPerS` a second (connection i starts i / rampPerS seconds in, without waiting for the
 * ones before it), and resolves once each has connected or failed. A failed socket is closed: no retries.
 */
export async function openPaced(plan: OpenPlan): Promise<OpenOutcome> {
  const outcome: OpenOutcome = {
    sockets: new Array<Socket | undefined>(plan.keys.length),
    opened: 0,
    failures: {},
    failureExamples: {},
    connectMs: new LatencyHistogram(),
    elapsedMs: 0,
  };
  const start = performance.now();
  const report = setInterval(
    () =>
      plan.progress?.(
        outcome.opened,
        Object.values(outcome.failures).reduce((a, b) => a + b, 0),
      ),
    2_000,
  );
  const pending: Promise<void>[] = [];
  try {
    for (let i = 0; i < plan.keys.length; i++) {
      const due = start + (i * 1000) / plan.rampPerS;
      const wait = due - performance.now();
      // Sleeping only once a few ms are owed keeps timer overhead low at hundreds a second.
      if (wait >= 4) await sleep(wait);
      pending.push(openOne(plan, i, outcome));
    }
    await Promise.all(pending);
  } finally {
    clearInterval(report);
  }
  outcome.elapsedMs = performance.now() - start;
  return outcome;
}

function openOne(plan: OpenPlan, index: number, outcome: OpenOutcome): Promise<void> {
  const startedAt = performance.now();
  const socket = chatSocket(plan.url, plan.keys[index] ?? '', plan);
  return new Promise((resolve) => {
    const onConnect = (): void => {
      outcome.connectMs.record(performance.now() - startedAt);
      outcome.opened += 1;
      outcome.sockets[index] = socket;
      socket.off('connect_error', onError);
      resolve();
    };
    const onError = (error: ConnectError & { data?: { message?: unknown } }): void => {
      socket.off('connect', onConnect);
      socket.close();
      const code = connectErrorCode(error);
      tally(outcome.failures, code);
      outcome.failureExamples[code] ??=
        typeof error.data?.message === 'string' ? error.data.message : error.message;
      resolve();
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
}

/** Connection i's key: users take consecutive connections, `perUser` each, so the last user may hold fewer. */
export function keysForConnections(
  apiKeys: readonly string[],
  connections: number,
  perUser: number,
): string[] {
  return Array.from({ length: connections }, (_, i) => apiKeys[Math.floor(i / perUser)] ?? '');
}
