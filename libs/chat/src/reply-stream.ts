import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ModelError, type ModelStream } from '@app/inference';
import type { NodeChangedEvent } from '@app/realtime';
import { ChatEmitter } from './chat.emitter';
import { ReplayBuffer } from './replay-buffer';
import type { ReplyListener } from './reply-listener';

/** The model sent nothing for MODEL_IDLE_TIMEOUT_MS: a hung upstream or a dead node must not hold the conversation. */
export class ModelStalledError extends ModelError {
  constructor() {
    super('The model stopped responding; try again.', true);
  }
}

export interface StreamTarget {
  conversationId: string;
  messageId: string;
  listener?: ReplyListener;
}

/** What reached the client; on a failure, the partial text is kept for the record, never presented as complete. */
export type StreamedReply = { text: string; ttftMs: number | null } & (
  { ok: true } | { ok: false; error: unknown }
);

/** Each delta goes to the room and listener at once, and to the replay buffer in the background. */
@Injectable()
export class ReplyStream {
  constructor(
    private readonly config: AppConfig,
    private readonly replay: ReplayBuffer,
    private readonly emitter: ChatEmitter,
  ) {}

  /** One reply's delivery, opened before its stream so that the stream's events (a takeover) can go through it. */
  open(target: StreamTarget): ReplyDelivery {
    return new ReplyDelivery(target, this.config.modelIdleTimeoutMs, this.replay, this.emitter);
  }

  /** Never throws: a failure (a cancel's abort, a model error, ModelStalledError on a stall) is in the result. */
  deliver(
    target: StreamTarget,
    completion: ModelStream,
    controller: AbortController,
    startedAt: number,
  ): Promise<StreamedReply> {
    return this.open(target).deliver(completion, controller, startedAt);
  }
}

/**
 * The tokens of one reply and the events between them, numbered by one seq so that a client can place each.
 *
 * Deltas that arrive together go out together: a delta is held until the event loop has handled what else had
 * arrived (setImmediate), and all held deltas leave as one `message:token` with one seq. A model that streams at a
 * human pace still sends one event per token; a fast one, or a node whose TCP chunks carry several tokens, sends
 * fewer, larger events. Each event costs a socket write per client and, through the Redis adapter, a PUBLISH that
 * every api instance decodes: per token, that was the largest share of the api's CPU per message (issue 12).
 */
export class ReplyDelivery {
  private seq = 0;
  private held = '';
  private flushTimer?: NodeJS.Immediate;
  private replayWriter?: ReplayWriter;

  constructor(
    private readonly target: StreamTarget,
    private readonly idleTimeoutMs: number,
    private readonly replay: ReplayBuffer,
    private readonly emitter: ChatEmitter,
  ) {}

  /**
   * Another node takes over the reply (docs/network.md, Takeover): sent before its first token, with the seq that
   * token will have, so that a client knows the tokens from there on come from another node and the rest follows.
   */
  nodeChanged(reason: NodeChangedEvent['reason']): void {
    // What the first node sent goes out first, so the event's seq is that of the next node's first delta.
    this.flush();
    const { conversationId, messageId, listener } = this.target;
    const event: NodeChangedEvent = { conversationId, messageId, seq: this.seq, reason };
    this.emitter.toConversation(conversationId, 'message:node-changed', event);
    listener?.nodeChanged?.(event);
  }

  /** Never throws: a failure (a cancel's abort, a model error, ModelStalledError on a stall) is in the result. */
  async deliver(
    completion: ModelStream,
    controller: AbortController,
    startedAt: number,
  ): Promise<StreamedReply> {
    const replay = new ReplayWriter(this.replay, this.target.messageId);
    this.replayWriter = replay;
    let stalled = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.idleTimeoutMs);
    };
    let text = '';
    let ttftMs: number | null = null;
    armIdleTimer();
    try {
      for await (const delta of completion) {
        if (!delta) continue;
        armIdleTimer();
        ttftMs ??= Date.now() - startedAt;
        text += delta;
        this.hold(delta);
      }
      this.flush();
      await replay.drained();
      return { ok: true, text, ttftMs };
    } catch (error) {
      // The partial text is recorded as delivered: it must have reached the client too.
      this.flush();
      return { ok: false, error: stalled ? new ModelStalledError() : error, text, ttftMs };
    } finally {
      clearTimeout(idle);
    }
  }

  private hold(delta: string): void {
    this.held += delta;
    this.flushTimer ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.held) return;
    const { conversationId, messageId, listener } = this.target;
    const event = { conversationId, messageId, seq: this.seq++, delta: this.held };
    this.held = '';
    this.emitter.toConversation(conversationId, 'message:token', event);
    listener?.token(event);
    this.replayWriter?.push(event.delta);
  }
}

/** Writes the replay buffer one batch at a time and in order, without the token loop ever waiting for Redis. */
class ReplayWriter {
  private buffered: string[] = [];
  private flushing?: Promise<void>;
  private failure?: Error;

  constructor(
    private readonly replay: ReplayBuffer,
    private readonly messageId: string,
  ) {}

  push(delta: string): void {
    this.buffered.push(delta);
    this.flushing ??= this.flush();
  }

  async drained(): Promise<void> {
    await this.flushing;
    if (this.failure) throw this.failure;
  }

  private async flush(): Promise<void> {
    try {
      while (this.buffered.length > 0) {
        const batch = this.buffered;
        this.buffered = [];
        await this.replay.append(this.messageId, batch);
      }
    } catch (error) {
      // Surfaced by drained(), never as an unhandled rejection.
      this.failure = error instanceof Error ? error : new Error('The replay buffer could not be written.');
    } finally {
      this.flushing = undefined;
    }
  }
}
