import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { assignLogContext, DomainError, ErrorCode, ValidationError } from '@app/common';
import {
  ConversationNotFoundError,
  ConversationsRepository,
  ConversationsService,
  type ConversationWithPersona,
  type Turn,
} from '@app/conversations';
import { AppConfig } from '@app/config';
import { ModelRegistry } from '@app/inference';
import { InferenceNodes } from '@app/network';
import { type PersonaContent, PersonasService } from '@app/personas';
import { RateLimiter } from '@app/rate-limit';
import type { DoneEvent, MessageErrorEvent } from '@app/realtime';
import { randomUUID } from 'node:crypto';
import {
  ChatUnavailableError,
  ConversationBusyError,
  MessageNotFoundError,
  PersonaUnavailableError,
  ServerStoppingError,
} from './chat.errors';
import { ChatEmitter } from './chat.emitter';
import { CONVERSATION_LOCK_TTL_MS, ConversationLock } from './conversation-lock';
import { assertModelCanServe, GenerationRequest, personaModelId } from './generation-request';
import { isRedisOutage } from '@app/redis';
import { ReplyCancellation } from './reply-cancellation';
import { replyFailure, SERVER_STOPPING } from './reply-failure';
import { ReplyHeartbeat } from './reply-heartbeat';
import type { ReplyListener } from './reply-listener';
import { ReplyPrompt } from './reply-prompt';
import { FinishedReply, ReplyRecorder } from './reply-recorder';
import { ReplyStream } from './reply-stream';
import type { SendAccepted, SendInput, SendOptions } from './send.types';
import { settledWithin } from './settled-within';

export const MAX_MESSAGE_CHARS = 8_000;
/** After failing the replies left at shutdown, how long to wait for them to be stored as failed. */
const FAIL_ON_STOP_MS = 5_000;

interface StartedReply {
  user: AuthUser;
  conversation: ConversationWithPersona;
  turn: Turn;
  inferenceId: string;
  /** Frees the conversation; safe to call more than once. */
  release: () => Promise<void>;
  listener?: ReplyListener;
  generation: GenerationRequest;
}

@Injectable()
export class ChatService implements OnModuleDestroy {
  private readonly logger = new Logger(ChatService.name);
  /** Replies streaming on this instance, so that stopping can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly conversations: ConversationsRepository,
    private readonly conversationStarts: ConversationsService,
    private readonly personas: PersonasService,
    private readonly models: ModelRegistry,
    private readonly nodes: InferenceNodes,
    private readonly limiter: RateLimiter,
    private readonly lock: ConversationLock,
    private readonly cancellation: ReplyCancellation,
    private readonly heartbeat: ReplyHeartbeat,
    private readonly emitter: ChatEmitter,
    private readonly prompts: ReplyPrompt,
    private readonly stream: ReplyStream,
    private readonly recorder: ReplyRecorder,
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
    await this.limiter.enforce('chatSend', user.id);
    const conversationId =
      'conversationId' in input
        ? input.conversationId
        : await this.startConversation(user, input.startWithPersona, input.generation);
    const conversation = await this.conversations.findWithPersona(conversationId, user.id);
    if (!conversation) throw new ConversationNotFoundError(conversationId);
    if (!acceptsMessages(conversation, user)) throw new PersonaUnavailableError(conversation.personaId);
    assertModelCanServe(this.models, personaModelId(conversation), input.generation);
    await options.authorized?.(conversation.id);

    const lockToken = await this.onRedis(() => this.lock.acquire(conversation.id, CONVERSATION_LOCK_TTL_MS));
    if (!lockToken) {
      // A retry of the turn that is streaming right now is not "busy": it is the same turn.
      const turn = await this.conversations.findTurn(conversation.id, input.clientMessageId);
      if (turn) return repeated(turn);
      throw new ConversationBusyError();
    }
    const release = (): Promise<void> =>
      this.lock.release(conversation.id, lockToken).catch((error: unknown) => {
        this.logger.warn(
          `Could not release the lock of ${conversation.id}; it expires on its own: ${String(error)}`,
        );
      });
    let turn: Turn;
    try {
      turn = await this.conversations.createTurn(conversation.id, content, input.clientMessageId);
    } catch (error) {
      await release();
      throw error;
    }
    if (!turn.created) {
      await release();
      return repeated(turn);
    }
    const inferenceId = randomUUID();
    // From here on, every log line of this turn, and every job it causes, names the message and its inference.
    assignLogContext({ messageId: turn.user.id, inferenceId });
    const reply = this.reply({
      user,
      conversation,
      turn,
      inferenceId,
      release,
      listener: input.listener,
      generation: input.generation ?? {},
    }).finally(release);
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
  }

  async cancel(user: AuthUser, messageId: string): Promise<boolean> {
    const message = await this.conversations.findMessageWithConversation(messageId);
    if (!message || message.conversation.userId !== user.id) throw new MessageNotFoundError(messageId);
    if (message.status !== 'streaming') return false;
    return this.onRedis(() => this.cancellation.cancel(messageId));
  }

  // Streaming replies get SHUTDOWN_DRAIN_MS to finish while Postgres and Redis are still up (Nest closes them
  // after this hook); the rest fail with SERVER_STOPPING, stored as failed, never left half-saved.
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.inFlight.size === 0) return;
    this.logger.log(`Stopping: waiting for ${this.inFlight.size} streaming replies`);
    if (await settledWithin(this.inFlight, this.config.shutdownDrainMs)) return;
    this.logger.warn(`Stopping: failing ${this.inFlight.size} replies still streaming`);
    this.cancellation.abortAll(SERVER_STOPPING);
    await settledWithin(this.inFlight, FAIL_ON_STOP_MS);
  }

  // The lock is freed once the reply is stored or has failed, before the client hears of it, so a client that
  // sends again on message:done is never told "busy".
  private async reply(started: StartedReply): Promise<void> {
    const { user, conversation, turn, inferenceId, listener, generation } = started;
    const assistantId = turn.assistant.id;
    const persona = conversation.personaVersion.content as unknown as PersonaContent;
    const startedAt = new Date();
    const controller = this.cancellation.track(assistantId);
    const stopBeating = this.heartbeat.start(assistantId);
    let partial = '';
    let finished: FinishedReply | undefined;
    try {
      const [{ prompt, maxTokens }, previousDigest] = await Promise.all([
        this.prompts.build({ user, conversation, persona, userMessage: turn.user, generation }),
        this.recorder.chainHead(conversation.id),
      ]);
      const context = {
        inferenceId,
        conversationId: conversation.id,
        previousDigest,
        personaVersionHash: conversation.personaVersion.hash,
      };
      const delivery = this.stream.open({
        conversationId: conversation.id,
        messageId: assistantId,
        listener,
      });
      // Nodes enforce maxTokens and stop themselves, so what streams is exactly what is delivered.
      const completion = this.nodes.stream(
        {
          model: {
            ...generation.sampling,
            responseFormat: generation.responseFormat,
            modelId: persona.modelId,
            messages: prompt.messages,
            maxTokens,
            stop: generation.stop,
          },
          receipt: context,
          // The router starts the reply only while this many independent operators serve the model (admit).
          minOperators: conversation.persona.minOperators,
          // A node died mid-reply and another continues it: the client hears so before the new node's first token.
          onTakeover: ({ fromNodeId, prefixBytes }) => {
            this.logger.warn(
              `Reply ${assistantId}: node ${fromNodeId ?? 'in-process'} failed after ${prefixBytes} bytes; ` +
                'another node takes over',
            );
            delivery.nodeChanged('node_failed');
          },
        },
        controller.signal,
      );
      const streamed = await delivery.deliver(completion, controller, startedAt.getTime());
      partial = streamed.text;
      if (!streamed.ok) throw streamed.error;
      const reply: FinishedReply = {
        conversation,
        persona,
        userMessageId: turn.user.id,
        assistantMessageId: assistantId,
        context,
        prompt,
        generation,
        node: completion,
        text: streamed.text,
        ttftMs: streamed.ttftMs,
        startedAt,
        private: user.anonymous,
      };
      const done: DoneEvent = await this.recorder.complete(reply);
      await started.release();
      this.emitter.toConversation(conversation.id, 'message:done', done);
      listener?.done(done, completion.finishReason);
      finished = reply;
    } catch (error) {
      const failure = replyFailure(error, controller.signal.reason);
      await this.recorder
        .fail(assistantId, partial, failure.cancelled ? 'cancelled' : 'failed')
        .catch(() => undefined);
      if (!failure.cancelled) this.logger.warn(`Reply ${assistantId} failed: ${String(error)}`);
      await started.release();
      const event: MessageErrorEvent = {
        conversationId: conversation.id,
        messageId: assistantId,
        error: failure.error,
      };
      this.emitter.toConversation(conversation.id, 'message:error', event);
      listener?.error(event);
    } finally {
      stopBeating();
      this.cancellation.untrack(assistantId);
    }
    if (finished) await this.recorder.enqueueFollowUps(finished);
  }

  /** Checks first what the persona's model cannot do, so that nothing refused leaves a conversation behind. */
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
    return (await this.conversationStarts.start(user, persona.id, { greet: false })).id;
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
}

/** The answer to a send whose clientMessageId already made a turn: that turn, with no new reply. */
function repeated(turn: Turn): SendAccepted {
  return {
    conversationId: turn.user.conversationId,
    userMessageId: turn.user.id,
    assistantMessageId: turn.assistant.id,
    inferenceId: null,
    reply: Promise.resolve(),
  };
}

/** A persona its owner made private, or deleted, closes its conversations for everyone else (as reading it is). */
function acceptsMessages(conversation: ConversationWithPersona, user: AuthUser): boolean {
  const { persona } = conversation;
  if (persona.deletedAt) return false;
  return persona.visibility !== 'private' || persona.ownerId === user.id || user.role === 'admin';
}
