import { DomainError, ErrorCode } from '@app/common';
import {
  EmbeddedModelConfig,
  EmbeddedModelProvider,
  embeddedLatencyFor,
  isEmbeddedModelId,
} from './embedded.provider';
import { ModelProvider } from './model-provider';
import { OpenAiCompatibleConfig, OpenAiCompatibleProvider } from './openai-compatible.provider';

export interface ModelRegistryConfig {
  embedded?: EmbeddedModelConfig;
  openAiCompatible?: readonly OpenAiCompatibleConfig[];
}

// A persona naming a model this node cannot run is a client mistake, caught when the persona is saved.
export class UnknownModelError extends DomainError {
  constructor(modelId: string, known: readonly string[]) {
    super(ErrorCode.VALIDATION_FAILED, `Unknown model "${modelId}"; use one of: ${known.join(', ')}`, {
      modelId,
      known,
    });
  }
}

// Chooses the provider for a persona's modelId: `embedded` / `embedded:<profile>` → the embedded model,
// a configured OpenAI-compatible id → that server.
export class ModelRegistry {
  private readonly embedded: EmbeddedModelProvider;
  private readonly remote = new Map<string, OpenAiCompatibleProvider>();

  constructor(private readonly config: ModelRegistryConfig = {}) {
    this.embedded = new EmbeddedModelProvider(config.embedded);
    for (const remote of config.openAiCompatible ?? []) {
      if (isEmbeddedModelId(remote.id) || this.remote.has(remote.id)) {
        throw new Error(`Model id "${remote.id}" is configured twice or clashes with the embedded model`);
      }
      this.remote.set(remote.id, new OpenAiCompatibleProvider(remote));
    }
  }

  /** Ids a persona may name (embedded profiles besides `embedded` itself are open-ended). */
  knownModelIds(): string[] {
    return ['embedded', 'embedded:<profile>', ...this.remote.keys()];
  }

  has(modelId: string): boolean {
    return this.remote.has(modelId) || embeddedLatencyFor(modelId, this.config.embedded) !== undefined;
  }

  resolve(modelId: string): ModelProvider {
    const remote = this.remote.get(modelId);
    if (remote) return remote;
    if (embeddedLatencyFor(modelId, this.config.embedded)) return this.embedded;
    throw new UnknownModelError(modelId, this.knownModelIds());
  }
}
