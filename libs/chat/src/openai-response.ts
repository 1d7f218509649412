import { DomainError, renderError } from '@app/common';
import type { FinishReason } from '@app/inference';
import type { DoneEvent } from '@app/realtime';
import { randomUUID } from 'node:crypto';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export class CompletionResponse {
  private readonly id = `chatcmpl-${randomUUID()}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private first = true;

  constructor(private readonly model: string) {}

  /** A server-sent event carrying one streamed piece; the first also names the role. */
  tokenEvent(delta: string): string {
    const event = this.chunk(this.first ? { role: 'assistant', content: delta } : { content: delta }, null);
    this.first = false;
    return event;
  }

  finalEvent(done: DoneEvent, finish: FinishReason): string {
    return this.chunk({}, finish, {
      inference_id: done.inferenceId,
      conversation_id: done.conversationId,
      usage: usage(done),
    });
  }

  /** Instead of the last chunk, when the reply did not finish: the error in the shape every error has. */
  errorEvent(error: DomainError): string {
    return `data: ${JSON.stringify({ error: renderError(error).body.error })}\n\n`;
  }

  completion(done: DoneEvent, finish: FinishReason): Record<string, unknown> {
    return {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, message: { role: 'assistant', content: done.content }, finish_reason: finish }],
      usage: usage(done),
      inference_id: done.inferenceId,
      conversation_id: done.conversationId,
    };
  }

  private chunk(
    delta: Record<string, string>,
    finish: FinishReason | null,
    extra: Record<string, unknown> = {},
  ): string {
    const body = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    };
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}

function usage(done: DoneEvent): Usage {
  return {
    prompt_tokens: done.usage.promptTokens,
    completion_tokens: done.usage.completionTokens,
    total_tokens: done.usage.promptTokens + done.usage.completionTokens,
  };
}
