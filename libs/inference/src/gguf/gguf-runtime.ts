import { Logger } from '@nestjs/common';
import type { Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { ModelError } from '../model-provider';
import { importEsm } from './import-esm';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface GgufRuntimeOptions {
  path: string;
  /** Sequences of the one context: replies generated at once. */
  sequences: number;
  /** CPU threads per evaluation; undefined: llama.cpp's choice (the machine's cores). */
  threads?: number;
  /** Upper bound on the context, in the model's tokens (less when the model was trained on less). */
  contextSize: number;
}

/** A loaded model and its one context, whose sequences the provider hands out; llama.cpp is shared. */
export interface GgufRuntime {
  readonly lib: NodeLlamaCpp;
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
}

const logger = new Logger('GgufModel');

// node-llama-cpp is an optional dependency: resolved at run time, so everything else runs without it.
function resolveLibrary(): string {
  try {
    return require.resolve('node-llama-cpp');
  } catch (error) {
    throw new ModelError(
      'GGUF models need the optional dependency node-llama-cpp, which is not installed here',
      false,
      undefined,
      { cause: error },
    );
  }
}

let shared: Promise<{ lib: NodeLlamaCpp; llama: Llama }> | undefined;

/**
 * llama.cpp itself, loaded once per process for every GGUF model: its prebuilt CPU binary, never a build, never a
 * download. Its own log lines go to this process's log at warn and above.
 */
function loadLlama(): Promise<{ lib: NodeLlamaCpp; llama: Llama }> {
  shared ??= (async () => {
    const lib = await importEsm<NodeLlamaCpp>(resolveLibrary());
    const llama = await lib.getLlama({
      gpu: false,
      build: 'never',
      logLevel: lib.LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text === '') return;
        if (level === lib.LlamaLogLevel.error || level === lib.LlamaLogLevel.fatal) logger.error(text);
        else logger.warn(text);
      },
    });
    return { lib, llama };
  })().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** The model file and one context with a sequence per reply generated at once. */
export async function loadGgufRuntime(options: GgufRuntimeOptions): Promise<GgufRuntime> {
  const { lib, llama } = await loadLlama();
  const model = await llama.loadModel({ modelPath: options.path });
  try {
    const context = await model.createContext({
      sequences: options.sequences,
      contextSize: { max: options.contextSize },
      threads: options.threads,
    });
    return { lib, llama, model, context };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}
