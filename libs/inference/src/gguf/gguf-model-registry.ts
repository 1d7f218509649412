import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { isEmbeddedModelId } from '../embedded.provider';
import { GgufModelProvider } from '../gguf.provider';
import type { ModelProvider } from '../model-provider';
import { ModelRegistry, ModelRegistryConfig } from '../model-registry';

/**
 * A node's registry when it serves a local GGUF model: that model under its id, besides what ModelRegistry knows.
 * The model starts loading once the app is up, in the background, so the first reply does not wait for it (and a
 * corrupt file shows in the log at start); a request that comes sooner waits for the same load.
 */
export class GgufModelRegistry extends ModelRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GgufModelRegistry.name);

  constructor(
    config: ModelRegistryConfig,
    readonly gguf: GgufModelProvider,
  ) {
    super(config);
    if (isEmbeddedModelId(gguf.id) || super.has(gguf.id))
      throw new Error(`Model id "${gguf.id}" is configured twice or clashes with the embedded model`);
  }

  override knownModelIds(): string[] {
    return [...super.knownModelIds(), this.gguf.id];
  }

  override has(modelId: string): boolean {
    return modelId === this.gguf.id || super.has(modelId);
  }

  override resolve(modelId: string): ModelProvider {
    return modelId === this.gguf.id ? this.gguf : super.resolve(modelId);
  }

  onApplicationBootstrap(): void {
    const started = Date.now();
    this.gguf.load().then(
      () => this.logger.log(`Model ${this.gguf.id} loaded in ${Date.now() - started} ms`),
      (error: unknown) => this.logger.error(String(error)),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.gguf.close();
  }
}
