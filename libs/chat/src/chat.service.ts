import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { DomainError, ErrorCode, ValidationError } from '@app/common';
import { buildPrompt, ConversationNotFoundError, ConversationsService } from '@app/conversations';
import type { Message, Prisma } from '@app/database';
import { AppConfig } from '@app/config';
import {
  ChatMessage,
  estimateTokens,
  FinishReason,
  isAbortError,
  ModelError,
  ModelRegistry,
} from '@app/inference';
import { MemoryRepository, RECENT_TURNS_KEPT } from '@app/memory';
import { type PersonaContent, PersonasService } from '@app/personas';
import { JobName, JobPayloads, jobIds, ProofJobs, QueueName } from '@app/queue';
import { Queue } from 'bullmq';
import { LocalNode } from '@app/network';
import { contentHashes, newReceiptSalt, RECEIPT_VERSION, ZERO_DIGEST } from '@app/receipts';
import { randomUUID } from 'node:crypto';
import { RateLimitedError, RateLimiter } from '@app/rate-limit';
import { AbandonedReplies } from './abandoned-replies';
import {
  ChatUnavailableError,
  ConversationBusyError,
  MessageNotFoundError,
  PersonaUnavailableError,
  ServerStoppingError,
} from './chat.errors';
import type { DoneEvent, MessageErrorEvent, TokenEvent } from '@app/realtime';
import { ChatEmitter } from './chat.emitter';
import { ChatRepository, ChatConversation } from './chat.repository';
import { CONVERSATION_LOCK_TTL_MS, ConversationLock } from './conversation-lock';
import { assertModelCanServe, GenerationRequest, personaModelId } from './generation-request';
import { isRedisOutage } from './redis-outage';
import { ReplayBuffer } from './replay-buffer';
import { ReplyCancellation } from './reply-cancellation';
import { ReplyHeartbeat } from './reply-heartbeat';
import { settledWithin } from './settled-within';

export const MAX_MESSAGE_CHARS = 8_000;
// The prompt keeps this many recent turns verbatim; the memory job folds older ones into the rolling summary.
const HISTORY_TURNS = RECENT_TURNS_KEPT;
const TOKEN_BUDGET = 4_096;
const MAX_RESPONSE_TOKENS = 512;
const MEMORIES_PER_REPLY = 8;
/** The abort reason of replies failed because the api is stopping. */
const SERVER_STOPPING = Symbol('server stopping');
/** After failing the replies left at shutdown, how long to wait for them to be stored as failed. */
const FAIL_ON_STOP_MS = 5_000;
const STOPPED_MID_REPLY =
  'The server stopped before the reply finished; reconnect and send your message again.';

/**
 * Where a message goes: a conversation, or a new one with a persona (id or slug), started only once the message
 * has passed every check (a refused OpenAI request must not leave an empty conversation behind).
 */
export type SendTarget = { conversationId: string } | { startWithPersona: string };

export type SendInput = SendTarget & {
  content: string;
  clientMessageId: string;
  /** Receives the reply's events too, for transports other than socket.io rooms (the OpenAI-compatible endpoint). */
  listener?: ReplyListener;
  generation?: GenerationRequest;
};

export interface SendOptions {
  /**
   * Runs once the caller is known to be a participant of a conversation that accepts messages, before the reply
   * starts: the socket transport joins the conversation's room here, never before.
   */
  authorized?: (conversationId: string) => Promise<void>;
}

export interface ReplyListener {
  token(event: TokenEvent): void;
  /** `finish` is OpenAI's finish_reason: `length` when a token cap cut the reply. */
  done(event: DoneEvent, finish: FinishReason): void;
  error(event: MessageErrorEvent): void;
}

export interface SendAccepted {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  /** Known before the first token, so HTTP clients get it in a header. Null for a repeated send. */
  inferenceId: string | null;
  /** Resolves when the reply has finished, failed or been cancelled (the socket ack does not wait for it). */
  reply: Promise<void>;
}

/**
 * One chat turn: persist the user's message, stream the reply token by token to the conversation's room, store
 * the reply with its inference record, and hand everything else (memory extraction, later proofs) to jobs.
 */
@Injectable()
export class ChatService implements OnModuleDestroy {
  private readonly logger = new Logger(ChatService.name);
  /** Replies streaming on this instance, so that stopping can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly chats: ChatRepository,
    private readonly memories: MemoryRepository,
    private readonly models: ModelRegistry,
    private readonly lock: ConversationLock,
    private readonly replay: ReplayBuffer,
    private readonly cancellation: ReplyCancellation,
    private readonly heartbeat: ReplyHeartbeat,
    private readonly emitter: ChatEmitter,
    private readonly node: LocalNode,
    private readonly proofJobs: ProofJobs,
    private readonly limiter: RateLimiter,
    private readonly abandoned: AbandonedReplies,
    private readonly conversations: ConversationsService,
    private readonly personas: PersonasService,
    @InjectQueue(QueueName.Memory) private readonly memoryQueue: Queue<JobPayloads[JobName.ExtractMemories]>,
  ) {}

  /** Every transport's send (socket.io, the OpenAI-compatible endpoint) comes here, so they share one limit. */
  async send(user: AuthUser, input: SendInput, options: SendOptions = {}): Promise<SendAccepted> {
    if (this.stopping) throw new ServerStoppingError();
    const content = input.content.trim();
    if (!content) throw new ValidationError('content must not be empty');
    if (content.length > MAX_MESSAGE_CHARS)
      throw new DomainError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `A message may have at most ${MAX_MESSAGE_CHARS} characters.`,
      );
    const verdict = await this.onRedis(() =>
      this.limiter.hit(
        { bucket: 'chat-send', limit: this.config.limits.chatSendsPerMinute, windowMs: 60_000 },
        user.id,
      ),
    );
    if (!verdict.allowed) throw new RateLimitedError(verdict.retryAfterMs);
    const conversationId =
      'conversationId' in input
        ? input.conversationId
        : await this.startConversation(user, input.startWithPersona, input.generation);
    const conversation = await this.chats.findConversation(conversationId, user.id);
    if (!conversation) throw new ConversationNotFoundError(conversationId);
    if (!acceptsMessages(conversation, user)) throw new PersonaUnavailableError(conversation.personaId);
    assertModelCanServe(this.models, personaModelId(conversation), input.generation);
    await options.authorized?.(conversation.id);

    const lockToken = await this.onRedis(() => this.lock.acquire(conversation.id, CONVERSATION_LOCK_TTL_MS));
    if (!lockToken) {
      // A retry of the turn that is streaming right now is not "busy": it is the same turn.
      const turn = await this.chats.findTurn(conversation.id, input.clientMessageId);
      if (turn)
        return {
          conversationId: conversation.id,
          userMessageId: turn.user.id,
          assistantMessageId: turn.assistant.id,
          inferenceId: null,
          reply: Promise.resolve(),
        };
      throw new ConversationBusyError();
    }
    try {
      const turn = await this.chats.createTurn(conversation.id, content, input.clientMessageId);
      if (!turn.created) {
        await this.lock.release(conversation.id, lockToken);
        return {
          conversationId: conversation.id,
          userMessageId: turn.user.id,
          assistantMessageId: turn.assistant.id,
          inferenceId: null,
          reply: Promise.resolve(),
        };
      }
      const inferenceId = randomUUID();
      // Freed as soon as the reply is stored or has failed, before the client hears of it, so a client that
      // sends again on message:done is never told the conversation is busy. The finally is the safety net.
      const release = (): Promise<void> =>
        this.lock.release(conversation.id, lockToken).catch((error: unknown) => {
          this.logger.warn(
            `Could not release the lock of ${conversation.id}; it expires on its own: ${String(error)}`,
          );
        });
      const reply = this.streamReply(
        user,
        conversation,
        turn.user,
        turn.assistant,
        inferenceId,
        release,
        input.listener,
        input.generation,
      ).finally(release);
      this.inFlight.add(reply);
      const forget = (): boolean => this.inFlight.delete(reply);
      reply.then(forget, forget);
      return {
        conversationId: conversation.id,
        userMessageId: turn.user.id,
        assistantMessageId: turn.assistant.id,
        inferenceId,
        reply,
      };
    } catch (error) {
      await this.lock.release(conversation.id, lockToken);
      throw error;
    }
  }

  /**
   * A reply as a resuming client should see it. One left streaming by an api that died (no heartbeat) is failed
   * now, so the client does not wait for tokens that will never come; one that ended meanwhile is read again.
   */
  settleAbandoned<T extends Message>(message: T): Promise<T> {
    return this.abandoned.settle(message);
  }

  /**
   * Starts the conversation a message opens, once the message has passed its checks, and checks first what the
   * persona's model cannot do (response_format), so that nothing refused leaves a conversation behind.
   */
  private async startConversation(
    user: AuthUser,
    personaIdOrSlug: string,
    generation: GenerationRequest | undefined,
  ): Promise<string> {
    const persona = await this.personas.findReadable(user, personaIdOrSlug);
    const [current] = persona.versions;
    if (current) assertModelCanServe(this.models, personaModelId({ personaVersion: current }), generation);
    // An OpenAI client owns its transcript and never sees a greeting: storing one the model is not shown would
    // make the conversation's audit export fail its transcript check.
    return (await this.conversations.start(user, persona.id, { greet: false })).id;
  }

  /** Redis holds chat's limits, locks and cancels: when it is down, the client is told to retry, not INTERNAL. */
  private async onRedis<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      // A reply error for a command this code sent is a bug, not an outage: it is reported as one (INTERNAL).
      if (!isRedisOutage(error)) throw error;
      this.logger.warn(`Chat request refused, Redis unavailable: ${String(error)}`);
      throw new ChatUnavailableError();
    }
  }

  /** Cancels a streaming reply, wherever it runs, if the caller is in its conversation. */
  async cancel(user: AuthUser, messageId: string): Promise<boolean> {
    const message = await this.chats.findMessage(messageId);
    if (!message || message.conversation.userId !== user.id) throw new MessageNotFoundError(messageId);
    if (message.status !== 'streaming') return false;
    return this.onRedis(() => this.cancellation.cancel(messageId));
  }

  private async streamReply(
    user: AuthUser,
    conversation: ChatConversation,
    userMessage: Message,
    assistant: Message,
    inferenceId: string,
    releaseLock: () => Promise<void>,
    listener?: ReplyListener,
    generation: GenerationRequest = {},
  ): Promise<void> {
    const startedAt = new Date();
    const persona = conversation.personaVersion.content as unknown as PersonaContent;
    const controller = this.cancellation.track(assistant.id);
    const stopBeating = this.heartbeat.start(assistant.id);
    // A provider that stops sending (hung upstream, dead node) must not hold the conversation forever.
    let timedOut = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.config.modelIdleTimeoutMs);
    };
    armIdleTimer();
    let text = '';
    let completed = false;
    let seq = 0;
    let ttftMs: number | null = null;
    let buffered: string[] = [];
    let flushing: Promise<void> | undefined;
    let flushError: Error | undefined;
    const flush = async (): Promise<void> => {
      try {
        while (buffered.length > 0) {
          const batch = buffered;
          buffered = [];
          await this.replay.append(assistant.id, batch);
        }
      } catch (error) {
        // Surfaced after the stream, never as an unhandled rejection.
        flushError = error instanceof Error ? error : new Error('The replay buffer could not be written.');
      } finally {
        flushing = undefined;
      }
    };
    try {
      const [userMemories, canonicalMemories, history] = await Promise.all([
        this.memories.retrieve({
          personaId: conversation.personaId,
          userId: user.id,
          query: userMessage.content,
          limit: MEMORIES_PER_REPLY,
        }),
        this.memories.retrieve({
          personaId: conversation.personaId,
          userId: null,
          query: userMessage.content,
          limit: MEMORIES_PER_REPLY,
        }),
        this.chats.recentHistory(conversation.id, userMessage.seq, HISTORY_TURNS),
      ]);
      const maxTokens = Math.min(generation.maxTokens ?? MAX_RESPONSE_TOKENS, MAX_RESPONSE_TOKENS);
      const prompt = await buildPrompt({
        persona,
        userName: user.handle,
        canonicalMemories,
        userMemories,
        summary: conversation.summary,
        history:
          generation.history ??
          history.reverse().map((m): ChatMessage => ({ role: m.role, content: m.content })),
        instructions: generation.instructions,
        newMessage: userMessage.content,
        tokenBudget: TOKEN_BUDGET,
        maxResponseTokens: maxTokens,
      });
      const provider = this.models.resolve(persona.modelId);
      // Providers enforce maxTokens and stop themselves, so what streams here is exactly what is delivered.
      const completion = provider.stream(
        {
          ...generation.sampling,
          responseFormat: generation.responseFormat,
          modelId: persona.modelId,
          messages: prompt.messages,
          maxTokens,
          stop: generation.stop,
        },
        controller.signal,
      );
      for await (const delta of completion) {
        if (!delta) continue;
        armIdleTimer();
        ttftMs ??= Date.now() - startedAt.getTime();
        const event = { conversationId: conversation.id, messageId: assistant.id, seq: seq++, delta };
        text += delta;
        this.emitter.toConversation(conversation.id, 'message:token', event);
        listener?.token(event);
        buffered.push(delta);
        // Write the replay buffer in the background, one batch at a time and in order: the stream never waits
        // for Redis, and a reconnecting client still finds every token by its seq.
        if (!flushing) flushing = flush();
      }
      await flushing;
      if (flushError) throw flushError;
      const finishedAt = new Date();
      const completionTokens = estimateTokens(text);
      const totalMs = finishedAt.getTime() - startedAt.getTime();
      // A fresh salt per reply: the receipt is public, and unsalted hashes would let anyone test guesses of it.
      const salt = newReceiptSalt();
      const { inputHash, outputHash } = contentHashes(RECEIPT_VERSION, {
        output: text,
        input: prompt.messages,
        salt,
      });
      // The node signs what it was given and what it said; everything that checks the signature runs in jobs.
      await this.chats.completeReply(assistant, text, async (previousDigest) => {
        const signed = await this.node.sign({
          inferenceId,
          conversationId: conversation.id,
          previousDigest: previousDigest ?? ZERO_DIGEST,
          modelId: persona.modelId,
          personaVersionHash: conversation.personaVersion.hash,
          inputHash,
          outputHash,
          promptTokens: prompt.promptTokens,
          completionTokens,
          startedAt: startedAt.getTime(),
          finishedAt: finishedAt.getTime(),
        });
        return {
          id: inferenceId,
          modelId: persona.modelId,
          verification: persona.verification,
          status: persona.verification === 'none' ? 'unverified' : 'pending',
          input: prompt.messages as unknown as Prisma.InputJsonValue,
          inputHash,
          outputHash,
          salt,
          personaVersionHash: conversation.personaVersion.hash,
          memoryIds: prompt.memoryIds,
          promptTokens: prompt.promptTokens,
          completionTokens,
          ttftMs,
          totalMs,
          startedAt,
          finishedAt,
          nodeId: signed.nodeId,
          receipt: signed.receipt as unknown as Prisma.InputJsonValue,
          digest: signed.digest,
          previousDigest: signed.receipt.previousDigest,
          signature: signed.signature,
          signer: signed.signer,
        };
      });
      const done: DoneEvent = {
        conversationId: conversation.id,
        messageId: assistant.id,
        content: text,
        inferenceId,
        usage: { promptTokens: prompt.promptTokens, completionTokens },
        timings: { ttftMs, totalMs },
      };
      await releaseLock();
      this.emitter.toConversation(conversation.id, 'message:done', done);
      listener?.done(done, completion.finishReason);
      completed = true;
    } catch (error) {
      clearTimeout(idle);
      const stopped = controller.signal.reason === SERVER_STOPPING;
      const cancelled = isAbortError(error) && !timedOut && !stopped;
      // A partial reply is kept for the record but never presented as complete.
      await this.chats
        .endReply(assistant.id, text, cancelled ? 'cancelled' : 'failed')
        .catch(() => undefined);
      const body = stopped
        ? { code: ErrorCode.SERVER_STOPPING, message: STOPPED_MID_REPLY }
        : cancelled
          ? { code: ErrorCode.CANCELLED, message: 'The reply was cancelled.' }
          : timedOut
            ? { code: ErrorCode.MODEL_FAILED, message: 'The model stopped responding; try again.' }
            : error instanceof ModelError || error instanceof DomainError
              ? {
                  code: error instanceof DomainError ? error.code : ErrorCode.MODEL_FAILED,
                  message: error.message,
                }
              : { code: ErrorCode.MODEL_FAILED, message: 'The model failed to answer; try again.' };
      if (!cancelled) this.logger.warn(`Reply ${assistant.id} failed: ${String(error)}`);
      await releaseLock();
      const failure: MessageErrorEvent = {
        conversationId: conversation.id,
        messageId: assistant.id,
        error: body,
      };
      this.emitter.toConversation(conversation.id, 'message:error', failure);
      listener?.error(failure);
    } finally {
      clearTimeout(idle);
      stopBeating();
      this.cancellation.untrack(assistant.id);
    }
    if (completed) await this.enqueueFollowUps(userMessage.id, inferenceId, persona.verification);
  }

  /**
   * A stopping api (deploy, scale-in) lets its streaming replies finish, for SHUTDOWN_DRAIN_MS, while Postgres and
   * Redis are still up (Nest closes them after this hook), and refuses new sends. Replies still streaming then
   * are failed with SERVER_STOPPING, stored as failed and told to their clients, never left half-saved.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.inFlight.size === 0) return;
    this.logger.log(`Stopping: waiting for ${this.inFlight.size} streaming replies`);
    if (await settledWithin(this.inFlight, this.config.shutdownDrainMs)) return;
    this.logger.warn(`Stopping: failing ${this.inFlight.size} replies still streaming`);
    this.cancellation.abortAll(SERVER_STOPPING);
    await settledWithin(this.inFlight, FAIL_ON_STOP_MS);
  }

  /**
   * After the reply is delivered: memory extraction and proofs. A failure here must not touch the stored reply;
   * the worker's reconciler finds proof work that was never enqueued, and a missed memory job loses one turn's facts.
   */
  private async enqueueFollowUps(
    userMessageId: string,
    inferenceId: string,
    verification: PersonaContent['verification'],
  ): Promise<void> {
    const results = await Promise.allSettled([
      this.memoryQueue.add(
        JobName.ExtractMemories,
        { messageId: userMessageId },
        { jobId: jobIds.extractMemories(userMessageId) },
      ),
      this.proofJobs.enqueueFor(inferenceId, verification),
    ]);
    for (const result of results)
      if (result.status === 'rejected')
        this.logger.warn(`Could not enqueue follow-up jobs for ${inferenceId}: ${String(result.reason)}`);
  }
}

/** A persona its owner made private, or deleted, closes its conversations for everyone else (as reading it is). */
function acceptsMessages(conversation: ChatConversation, user: AuthUser): boolean {
  const { persona } = conversation;
  if (persona.deletedAt) return false;
  return persona.visibility !== 'private' || persona.ownerId === user.id || user.role === 'admin';
}
