import { EmbeddedChatModel } from './embedded-model';
import { toLangChainMessages } from './langchain-messages';
import { INSTANT_LATENCY, LatencyProfile, parseLatencyProfile } from './latency-profile';
import { ModelError, ModelProvider, ModelRequest, ModelStream } from './model-provider';
import { streamChunkText } from './langchain-stream';

export const EMBEDDED_MODEL_ID = 'embedded';
const PROFILE_SEPARATOR = ':';

export interface EmbeddedModelConfig {
  /** Profile for plain `embedded`; instant when absent. */
  defaultLatency?: LatencyProfile;
  /** Extra named profiles for `embedded:<name>`, on top of the built-in ones. */
  profiles?: Readonly<Record<string, LatencyProfile>>;
  /** Cap on streamed tokens when a request gives none. */
  maxTokens?: number;
}

export function isEmbeddedModelId(modelId: string): boolean {
  return modelId === EMBEDDED_MODEL_ID || modelId.startsWith(EMBEDDED_MODEL_ID + PROFILE_SEPARATOR);
}

/** `embedded` → the default profile; `embedded:<name>` or `embedded:ttft=300,tps=40`; undefined if unknown. */
export function embeddedLatencyFor(
  modelId: string,
  config: EmbeddedModelConfig = {},
): LatencyProfile | undefined {
  if (modelId === EMBEDDED_MODEL_ID) return config.defaultLatency ?? INSTANT_LATENCY;
  if (!isEmbeddedModelId(modelId)) return undefined;
  return parseLatencyProfile(modelId.slice(EMBEDDED_MODEL_ID.length + 1), config.profiles);
}

// ModelProvider face of EmbeddedChatModel: one instance serves every `embedded…` model id.
export class EmbeddedModelProvider implements ModelProvider {
  readonly id = EMBEDDED_MODEL_ID;
  /** Its replies are persona small talk, never JSON. */
  readonly structuredOutput = false;
  readonly model: EmbeddedChatModel;

  constructor(private readonly config: EmbeddedModelConfig = {}) {
    this.model = new EmbeddedChatModel({ maxTokens: config.maxTokens });
  }

  stream(request: ModelRequest, signal: AbortSignal): ModelStream {
    const latency = embeddedLatencyFor(request.modelId, this.config);
    if (!latency) throw new ModelError(`Unknown embedded latency profile in "${request.modelId}"`, false);
    const maxTokens = request.maxTokens ?? this.config.maxTokens;
    const { continuation } = request;
    return streamChunkText(
      (model) =>
        this.model.stream(toLangChainMessages(request.messages), {
          signal: model,
          latency,
          maxTokens,
          continuation,
        }),
      signal,
      (error) => (error instanceof Error ? error : new ModelError(String(error), false)),
      // A continuation's cap covers its prefix too, which the limiter never sees: the model applies it exactly.
      { maxTokens: continuation === undefined ? maxTokens : undefined, stop: request.stop },
    );
  }
}
