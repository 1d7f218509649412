import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';

export interface Collected {
  tokens: { seq: number; delta: string }[];
  done?: { content: string; inferenceId: string; messageId: string };
  error?: { code: string; message: string };
}

export function connectChat(url: string, apiKey: string): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    auth: { token: apiKey },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

export function emitAck<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  payload: unknown,
): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<T>;
}

/** Gathers one reply's events, as a client would, until message:done or message:error. */
export function collectReply(
  socket: Socket,
  messageId: () => string | undefined,
): Promise<Collected> & { collected: Collected } {
  const collected: Collected = { tokens: [] };
  const promise = new Promise<Collected>((resolve) => {
    socket.on('message:token', (e: { messageId: string; seq: number; delta: string }) => {
      if (e.messageId === messageId()) collected.tokens.push({ seq: e.seq, delta: e.delta });
    });
    socket.on('message:done', (e: Collected['done'] & { messageId: string }) => {
      if (e.messageId === messageId()) resolve(Object.assign(collected, { done: e }));
    });
    socket.on('message:error', (e: { messageId: string; error: Collected['error'] }) => {
      if (e.messageId === messageId()) resolve(Object.assign(collected, { error: e.error }));
    });
  });
  return Object.assign(promise, { collected });
}

export interface StartedReply {
  ack: {
    ok: boolean;
    userMessageId: string;
    assistantMessageId: string;
    error?: { code: string; message: string };
  };
  reply: Promise<Collected>;
}

/** Sends one message and starts collecting its reply; the ack comes back at once, the reply when it ends. */
export async function startReply(
  socket: Socket,
  conversationId: string,
  content: string,
  clientMessageId = randomUUID(),
): Promise<StartedReply> {
  let messageId: string | undefined = undefined;
  const reply = collectReply(socket, () => messageId);
  const ack = await emitAck<StartedReply['ack']>(socket, 'message:send', {
    conversationId,
    content,
    clientMessageId,
  });
  messageId = ack.assistantMessageId;
  return { ack, reply };
}

export interface ProofUpdate {
  inferenceId: string;
  messageId: string;
  status: string;
  batch?: { root: string; leafIndex: number; txHash: string; blockNumber: number; chainId: number };
  zk?: { status: string; provingMs: number | null; inferenceMs: number | null };
  error?: string;
}

/** Records every `proof:update` the socket receives; `until` resolves once one matches. */
export function watchProofUpdates(socket: Socket): {
  updates: ProofUpdate[];
  until(match: (update: ProofUpdate) => boolean, timeoutMs?: number): Promise<ProofUpdate>;
} {
  const updates: ProofUpdate[] = [];
  const waiters: { match: (update: ProofUpdate) => boolean; resolve: (update: ProofUpdate) => void }[] = [];
  socket.on('proof:update', (update: ProofUpdate) => {
    updates.push(update);
    for (const waiter of [...waiters]) {
      if (waiter.match(update)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(update);
      }
    }
  });
  return {
    updates,
    until(match, timeoutMs = 20_000) {
      const seen = updates.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`No matching proof:update within ${timeoutMs} ms; saw ${JSON.stringify(updates)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (update) => {
            clearTimeout(timer);
            resolve(update);
          },
        });
      });
    },
  };
}
