import { ValidationError } from '@app/common';
import type { ChatMessage, ModelRegistry, ModelRequest, ResponseFormat } from '@app/inference';
import type { PersonaContent } from '@app/personas';
import type { ConversationWithPersona } from '@app/conversations';

export type Sampling = Pick<
  ModelRequest,
  'temperature' | 'topP' | 'frequencyPenalty' | 'presencePenalty' | 'seed'
>;

/** What a client may ask of one reply beyond its message (the OpenAI-compatible endpoint's parameters). */
export interface GenerationRequest {
  /** Stateless OpenAI clients send the whole conversation; used instead of the stored turns, recorded like them. */
  history?: ChatMessage[];
  instructions?: string;
  /** A cap on the reply, in estimateTokens units; the server's own cap still applies. */
  maxTokens?: number;
  stop?: string[];
  sampling?: Sampling;
  /** JSON output; only models whose provider has structuredOutput can give it. */
  responseFormat?: ResponseFormat;
}

/** Refuses, before a turn is stored, what the conversation's model cannot do: never pretend it was done. */
export function assertModelCanServe(
  models: ModelRegistry,
  modelId: string,
  generation: GenerationRequest | undefined,
): void {
  if (generation?.responseFormat && !models.resolve(modelId).structuredOutput)
    throw new ValidationError(
      `response_format: this persona's model (${modelId}) answers in plain text only; send { "type": "text" } or leave it out.`,
      { param: 'response_format' },
    );
}

export function personaModelId(conversation: Pick<ConversationWithPersona, 'personaVersion'>): string {
  return (conversation.personaVersion.content as unknown as PersonaContent).modelId;
}
