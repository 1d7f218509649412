import { randomUUID } from 'node:crypto';
import { io, Socket } from 'socket.io-client';
import { mapLimit } from './http';
import type { ProofTracker, ProofUpdate } from './proofs';
import { SetupError, type LoadUser } from './setup';
import type { ChatTarget, TurnRequest } from './target';

// The /chat events this client reads (docs/realtime.md); only the fields it uses.
interface TokenEvent {
  conversationId: string;
  messageId: string;
  seq: number;
}
interface DoneEvent {
  conversationId: string;
  messageId: string;
  inferenceId?: string;
  usage?: { completionTokens?: number };
  timings?: { ttftMs?: number | null };
}
interface ErrorEvent {
  conversationId: string;
  messageId: string;
  error?: { code?: string; message?: string };
}
type SendAck =
  | { ok: true; userMessageId: string; assistantMessageId: string }
  | { ok: false; error?: { code?: string; message?: string } };

interface InFlight {
  userIndex: number;
  token(event: TokenEvent, at: number): void;
  done(event: DoneEvent, at: number): void;
  error(event: ErrorEvent): void;
  fail(code: string): void;
}

const CONNECT_TIMEOUT_MS = 10_000;

function connect(url: string, apiKey: string): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    auth: { token: apiKey },
    // Straight to websocket: no long-polling upgrade dance to muddy the first turns.
    transports: ['websocket'],
    // A reconnect would silently rejoin no rooms and lose replies; a drop must show up as DISCONNECTED.
    reconnection: false,
    forceNew: true,
    timeout: CONNECT_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.close();
      reject(new Error(`${error.data?.code ?? 'CONNECT_FAILED'}: ${error.message}`));
    });
  });
}

/**
 * One socket per user, opened before the clock starts so the handshake is never in a TTFT: like a real client (one
 * tab, many conversations) and under the gateway's per-user connection limit. Events are routed by conversation id:
 * a conversation has one turn in flight, and its tokens may beat the send's ack.
 */
export class SocketTarget implements ChatTarget {
  readonly kind = 'socket';
  private readonly inFlight = new Map<string, InFlight>();
  private readonly counts: Record<string, number> = {};
  private closing = false;
  /** `message:node-changed` events (a takeover: another node continues the reply), and the replies they hit. */
  readonly nodeChanges = { events: 0, messageIds: new Set<string>() };

  private constructor(
    private readonly sockets: Socket[],
    private readonly proofs?: ProofTracker,
  ) {
    sockets.forEach((socket, userIndex) => this.listen(socket, userIndex));
  }

  static async open(
    url: string,
    users: readonly LoadUser[],
    concurrency: number,
    proofs?: ProofTracker,
  ): Promise<SocketTarget> {
    const sockets: Socket[] = [];
    try {
      await mapLimit(users, concurrency, async (user, i) => {
        sockets[i] = await connect(url, user.apiKey);
      });
    } catch (error) {
      sockets.forEach((s) => s.close());
      throw new SetupError(
        `Could not open the socket.io connections: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return new SocketTarget(sockets, proofs);
  }

  private count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  private listen(socket: Socket, userIndex: number): void {
    // The clock is read first thing: anything done before it would count as network time.
    socket.on('message:token', (e: TokenEvent) =>
      this.inFlight.get(e.conversationId)?.token(e, performance.now()),
    );
    socket.on('message:done', (e: DoneEvent) =>
      this.inFlight.get(e.conversationId)?.done(e, performance.now()),
    );
    socket.on('message:error', (e: ErrorEvent) => this.inFlight.get(e.conversationId)?.error(e));
    socket.on('proof:update', (e: ProofUpdate) => this.proofs?.update(e, performance.now()));
    socket.on('message:node-changed', (e: { messageId: string }) => {
      this.nodeChanges.events += 1;
      this.nodeChanges.messageIds.add(e.messageId);
    });
    socket.on('disconnect', () => {
      if (this.closing) return;
      this.count('disconnects');
      for (const turn of [...this.inFlight.values()])
        if (turn.userIndex === userIndex) turn.fail('DISCONNECTED');
    });
  }

  turn({ conversation, content, timeline, timeoutMs }: TurnRequest): Promise<void> {
    const socket = this.sockets[conversation.userIndex];
    const conversationId = conversation.conversationId;
    return new Promise((resolve) => {
      let acked = false;
      let replied = false;
      let nextSeq = 0;
      const finish = (code?: string, message?: string): void => {
        if (timeline.endedAt !== undefined) return;
        clearTimeout(timer);
        if (code !== undefined && timeline.error === undefined) {
          timeline.error = code;
          timeline.errorMessage = message;
        }
        timeline.endedAt = performance.now();
        this.inFlight.delete(conversationId);
        resolve();
      };
      // Tokens and done may beat the ack; until the ack names the message, the conversation's one turn is it.
      const ours = (messageId: string): boolean => {
        if (timeline.messageId === undefined || timeline.messageId === messageId) return true;
        this.count('foreign message id');
        return false;
      };
      this.inFlight.set(conversationId, {
        userIndex: conversation.userIndex,
        token: (e, at) => {
          if (!ours(e.messageId)) return;
          if (e.seq !== nextSeq) this.count('token seq gap or repeat');
          nextSeq = e.seq + 1;
          timeline.tokenAt.push(at);
        },
        done: (e, at) => {
          if (!ours(e.messageId)) return;
          timeline.doneAt = at;
          timeline.messageId ??= e.messageId;
          timeline.inferenceId = e.inferenceId;
          timeline.usageTokens = e.usage?.completionTokens;
          timeline.serverTtftMs = e.timings?.ttftMs ?? undefined;
          replied = true;
          if (acked) finish();
        },
        error: (e) => {
          if (ours(e.messageId)) finish(e.error?.code ?? 'MESSAGE_ERROR', e.error?.message);
        },
        fail: finish,
      });
      const timer = setTimeout(() => finish('TIMEOUT'), timeoutMs);
      if (!socket?.connected) return finish('DISCONNECTED');
      timeline.sentAt = performance.now();
      socket.emit(
        'message:send',
        { conversationId, content, clientMessageId: randomUUID() },
        (ack: SendAck) => {
          timeline.ackAt = performance.now();
          acked = true;
          if (!ack.ok) return finish(ack.error?.code ?? 'SEND_REFUSED', ack.error?.message);
          if (timeline.messageId !== undefined && timeline.messageId !== ack.assistantMessageId)
            this.count('done before ack for another message');
          timeline.messageId = ack.assistantMessageId;
          if (replied) finish();
        },
      );
    });
  }

  anomalies(): Record<string, number> {
    return { ...this.counts };
  }

  close(): Promise<void> {
    this.closing = true;
    this.sockets.forEach((socket) => socket.close());
    return Promise.resolve();
  }
}
