import { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import {
  BaseChatModelCallOptions,
  BaseChatModelParams,
  SimpleChatModel,
} from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk } from '@langchain/core/outputs';
import { composeReply, continueReply, splitTokens } from './embedded-reply';
import { INSTANT_LATENCY, LatencyProfile, pace } from './latency-profile';
import { fromLangChainMessages } from './langchain-messages';
import { maxCompletionChars } from './model-provider';
import { truncate } from './completion-limiter';

export interface EmbeddedChatModelCallOptions extends BaseChatModelCallOptions {
  /** The reply's length cap in estimateTokens units (characters / 4), as for every model. */
  maxTokens?: number;
  latency?: LatencyProfile;
  /** Takeover: the start of the reply, already delivered by another node; only what follows is streamed. */
  continuation?: string;
}

export interface EmbeddedChatModelFields extends BaseChatModelParams {
  maxTokens?: number;
  latency?: LatencyProfile;
}

// A deterministic chat model with no network, weights or GPU. It is a LangChain chat model, so the chat
// pipeline runs it through the same runnables as ChatOpenAI. Temperature is ignored: output depends on input only.
export class EmbeddedChatModel extends SimpleChatModel<EmbeddedChatModelCallOptions> {
  private readonly maxTokens?: number;
  private readonly latency: LatencyProfile;

  constructor(fields: EmbeddedChatModelFields = {}) {
    super(fields);
    this.maxTokens = fields.maxTokens;
    this.latency = fields.latency ?? INSTANT_LATENCY;
  }

  static override lc_name(): string {
    return 'EmbeddedChatModel';
  }

  override _llmType(): string {
    return 'twinproof-embedded';
  }

  override async _call(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<string> {
    let text = '';
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) text += chunk.text;
    return text;
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const maxTokens = options.maxTokens ?? this.maxTokens;
    // The whole reply, a continuation's prefix included, is what maxTokens caps (as on the node that started it).
    const prefix = options.continuation ?? '';
    const whole = prefix + continueReply(composeReply(fromLangChainMessages(messages)), prefix);
    const text = maxTokens === undefined ? whole : truncate(whole, maxCompletionChars(maxTokens));
    const tokens = splitTokens(text.slice(prefix.length));
    const finishReason = text.length < whole.length ? 'length' : 'stop';
    if (tokens.length === 0) {
      // Nothing left to say (the prefix was all of it, or all the cap allows): one empty chunk says why it ended.
      yield new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({ content: '' }),
        generationInfo: { finish_reason: finishReason },
      });
      return;
    }
    // A signal is optional in LangChain; without one the stream simply cannot be cut short.
    const signal = options.signal ?? new AbortController().signal;
    let index = 0;
    for await (const token of pace(tokens, options.latency ?? this.latency, signal)) {
      index += 1;
      // Like OpenAI's stream, the last chunk says why the reply ended.
      const generationInfo = index === tokens.length ? { finish_reason: finishReason } : undefined;
      yield new ChatGenerationChunk({
        text: token,
        message: new AIMessageChunk({ content: token }),
        generationInfo,
      });
      await runManager?.handleLLMNewToken(token);
    }
  }
}
