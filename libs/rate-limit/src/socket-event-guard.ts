import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, renderError } from '@app/common';
import type { Socket } from 'socket.io';
import { RateLimitName } from './rate-limit-rules';
import { RateLimitedError } from './rate-limit.errors';
import { RateLimiter } from './rate-limiter';

/** What a socket answers an event it refuses, in the ack shape of docs/realtime.md. */
export type RefusalAck = { ok: false; error: { code: string; message: string } };

/** A handler that never answers must not hold its user's later events forever. */
const HANDLER_TURN_MS = 10_000;

export class UnknownEventError extends DomainError {
  constructor(event: unknown, known: readonly string[]) {
    const name = String(event).slice(0, 100);
    super(
      ErrorCode.VALIDATION_FAILED,
      `Unknown event ${JSON.stringify(name)}; this namespace accepts ${known.join(', ')}.`,
      { event: name },
    );
  }
}

export interface SocketEventPolicy {
  /** Counts this socket's events: one counter per subject (the user), shared by all its sockets and instances. */
  rule: RateLimitName;
  subject: string;
  /** The events the namespace has handlers for; any other is answered, never left without an ack. */
  events: readonly string[];
}

// Every event, known or not, is counted before any handler runs. Allowed events run one at a time per user on this
// instance, so a burst of database work waits its turn instead of holding the event loop.
@Injectable()
export class SocketEventGuard {
  private readonly logger = new Logger(SocketEventGuard.name);
  /** Per subject, the end of its last admitted event's handler. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(private readonly limiter: RateLimiter) {}

  install(socket: Socket, policy: SocketEventPolicy): void {
    const known = new Set(policy.events);
    const { limit, windowMs } = this.limiter.rules[policy.rule];
    // Counted here too, so a burst over the limit costs at most `limit` Redis calls per socket.
    let windowEnds = 0;
    let inWindow = 0;
    let refusedUntil = 0;
    let refusedInWindow = 0;
    let refusal: RefusalAck | undefined;
    socket.use((packet, next) => {
      const [event] = packet;
      const ack: unknown = packet.at(-1);
      const refuse = (error: unknown): void => {
        if (typeof ack === 'function') (ack as (answer: RefusalAck) => void)(answerOf(error));
      };
      const now = Date.now();
      if (now >= windowEnds) {
        windowEnds = now + windowMs;
        inWindow = 0;
        refusedInWindow = 0;
        refusal = undefined;
      }
      if (now < refusedUntil || ++inWindow > limit) {
        // A client that goes on sending after being refused is flooding: each event would still cost the loop
        // its parsing and answer, so the connection is closed and what it has queued is never read.
        if (++refusedInWindow > limit) {
          // Packets already read when it was closed come here too: one log line per socket, not per packet.
          if (socket.disconnected) return;
          this.logger.warn(
            `Disconnected socket ${socket.id} of ${policy.subject}: it kept sending when refused`,
          );
          socket.disconnect(true);
          return;
        }
        refusal ??= answerOf(new RateLimitedError(Math.max(refusedUntil, windowEnds) - now));
        if (typeof ack === 'function') (ack as (answer: RefusalAck) => void)(refusal);
        return;
      }
      this.limiter.enforce(policy.rule, policy.subject).then(
        () => {
          if (!known.has(String(event))) return refuse(new UnknownEventError(event, policy.events));
          this.inTurn(policy.subject, packet, next);
        },
        (error: unknown) => {
          if (!(error instanceof RateLimitedError)) return refuse(error); // UNAVAILABLE, or a bug (INTERNAL)
          refusedUntil = Date.now() + error.retryAfterMs;
          refusal = answerOf(error);
          if (typeof ack === 'function') (ack as (answer: RefusalAck) => void)(refusal);
        },
      );
    });
  }

  // The ack tells when a handler is done; an event sent without one gets an ack that only tells that.
  private inTurn(subject: string, packet: unknown[], next: () => void): void {
    const clientAck: unknown = packet.at(-1);
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    const ack = (...answer: unknown[]): void => {
      answered();
      if (typeof clientAck === 'function') (clientAck as (...answer: unknown[]) => void)(...answer);
    };
    if (typeof clientAck === 'function') packet[packet.length - 1] = ack;
    else packet.push(ack);
    const previous = this.turns.get(subject) ?? Promise.resolve();
    const turn = previous.then(() => {
      next();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, HANDLER_TURN_MS)));
      return Promise.race([done, late]).finally(() => clearTimeout(timer));
    });
    this.turns.set(subject, turn);
    void turn.finally(() => {
      if (this.turns.get(subject) === turn) this.turns.delete(subject);
    });
  }
}

const logger = new Logger(SocketEventGuard.name);

function answerOf(error: unknown): RefusalAck {
  const { body, errorId } = renderError(error);
  if (errorId)
    logger.error(`Unexpected error ${errorId}`, error instanceof Error ? error.stack : String(error));
  return { ok: false, error: body.error };
}
