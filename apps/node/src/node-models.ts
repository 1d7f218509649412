import { GgufModelProvider } from '@app/inference/gguf.provider';
import { GgufModelRegistry } from '@app/inference/gguf/gguf-model-registry';
import { ModelRegistry } from '@app/inference/model-registry';
import type { NodeOptions } from './node-options';

/**
 * The models a node runs: the embedded one (paced by EMBEDDED_LATENCY, as the api's own ModelRegistry is, so a
 * cluster of nodes can be made slow enough to kill one mid-reply), plus its upstream or its GGUF file.
 */
export function nodeModelRegistry(
  options: Pick<NodeOptions, 'modelIds' | 'upstream' | 'gguf' | 'embeddedLatency'>,
): ModelRegistry {
  const embedded = { defaultLatency: options.embeddedLatency };
  const openAiCompatible = options.upstream ? [{ id: options.modelIds[0], ...options.upstream }] : [];
  if (!options.gguf) return new ModelRegistry({ embedded, openAiCompatible });
  const { path, threads, parallel } = options.gguf;
  return new GgufModelRegistry(
    { embedded, openAiCompatible },
    new GgufModelProvider({ id: options.modelIds[0], path, threads, parallel }),
  );
}
