import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { DomainError, ErrorCode, isErrorCode } from '@app/common';
import type { FinishReason } from '@app/inference';
import type { DoneEvent, ErrorEventBody } from '@app/realtime';
import { randomUUID } from 'node:crypto';
import { ChatService } from './chat.service';
import type { CompletionRequest } from './openai-request';

export interface FinishedCompletion {
  done: DoneEvent;
  finish: FinishReason;
}

export interface StartedCompletion {
  conversationId: string;
  inferenceId: string | null;
  /** Hands over the pieces streamed so far, then each as it comes (streaming requests only). */
  stream(write: (delta: string) => void): void;
  /** The finished reply; rejects with a ReplyFailedError when it did not finish. */
  finished(): Promise<FinishedCompletion>;
  /** Stops the model if the reply is still streaming: the client went away. */
  abandon(): void;
}

export class ReplyFailedError extends DomainError {
  constructor(
    error: ErrorEventBody = { code: ErrorCode.MODEL_FAILED, message: 'The reply did not finish.' },
  ) {
    super(isErrorCode(error.code) ? error.code : ErrorCode.MODEL_FAILED, error.message, error.details);
  }
}

@Injectable()
export class OpenAiCompletions {
  constructor(private readonly chat: ChatService) {}

  /** `continued`: the conversation X-Conversation-Id names; without one, the persona `model` names starts one. */
  async start(
    user: AuthUser,
    request: CompletionRequest,
    continued: string | undefined,
  ): Promise<StartedCompletion> {
    let finished: FinishedCompletion | undefined;
    let failure: ErrorEventBody | undefined;
    // Pieces may come before the caller can write them (its headers wait for the inference id): held until then.
    let pending: string[] = [];
    let write: ((delta: string) => void) | undefined;
    const accepted = await this.chat.send(user, {
      ...(continued ? { conversationId: continued } : { startWithPersona: request.model }),
      content: request.content,
      clientMessageId: randomUUID(),
      // A continued conversation's stored turns are the record the receipts chain; the client's copy is not used.
      generation: continued ? { ...request.generation, history: undefined } : request.generation,
      listener: {
        token: (event) => {
          if (!request.stream) return;
          if (write) write(event.delta);
          else pending.push(event.delta);
        },
        done: (done, finish) => (finished = { done, finish }),
        error: (event) => (failure = event.error),
      },
    });
    return {
      conversationId: accepted.conversationId,
      inferenceId: accepted.inferenceId,
      stream: (writer) => {
        pending.forEach(writer);
        pending = [];
        write = writer;
      },
      finished: () =>
        accepted.reply.then(() => {
          if (!finished) throw new ReplyFailedError(failure);
          return finished;
        }),
      abandon: () => {
        if (!finished) this.chat.cancel(user, accepted.assistantMessageId).catch(() => undefined);
      },
    };
  }
}
