import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { EMBEDDER, type Embedder } from './embedder';
import { MemoryEmbeddingRepository } from './memory-embedding.repository';
import { isZeroVector } from './memory-embedding.sql';
import { toVectorLiteral } from './vector-math';
import type { QueryVector } from '../memory-ranking';

/** `auto`: use pgvector when the server has it (the default); `off`: never, even where it could. */
export type VectorMode = 'auto' | 'off';

export interface VectorSupportOptions {
  mode?: VectorMode;
  /** Replaces the built-in lexical embedder, e.g. with a client of an embeddings endpoint. */
  embedder?: Embedder;
}

export const VECTOR_SUPPORT_OPTIONS = Symbol('VECTOR_SUPPORT_OPTIONS');

export interface VectorSupportStatus {
  available: boolean;
  enabled: boolean;
  /** Why, in words an operator can act on. */
  reason: string;
}

export interface StoredVectors {
  model: string;
  texts: readonly string[];
  vectors: number[][];
}

/** Decided once, at start; while it says no, memory works on full-text search alone. */
@Injectable()
export class VectorSupport implements OnModuleInit {
  private readonly logger = new Logger(VectorSupport.name);
  private readonly mode: VectorMode;
  private current: VectorSupportStatus = { available: false, enabled: false, reason: 'not detected yet' };

  constructor(
    private readonly repository: MemoryEmbeddingRepository,
    @Inject(EMBEDDER) readonly embedder: Embedder,
    @Optional() @Inject(VECTOR_SUPPORT_OPTIONS) options?: VectorSupportOptions,
  ) {
    this.mode = options?.mode ?? 'auto';
  }

  get status(): VectorSupportStatus {
    return { ...this.current };
  }

  get enabled(): boolean {
    return this.current.enabled;
  }

  async onModuleInit(): Promise<void> {
    await this.detect();
  }

  async detect(): Promise<VectorSupportStatus> {
    this.current = await this.decide().catch((error: unknown) => ({
      available: false,
      enabled: false,
      reason: `could not check for pgvector (${message(error)}); using full-text retrieval`,
    }));
    const line = `pgvector ${this.current.enabled ? 'on' : 'off'}: ${this.current.reason}`;
    if (this.current.available && !this.current.enabled && this.mode === 'auto') this.logger.warn(line);
    else this.logger.log(line);
    return this.status;
  }

  /** Vectors to store with new or edited memories; null while vectors are off. Embedder errors propagate. */
  async embedForStorage(texts: readonly string[]): Promise<StoredVectors | null> {
    if (!this.enabled || texts.length === 0) return null;
    return { model: this.embedder.model, texts, vectors: await this.embedder.embed(texts) };
  }

  /** Null when vectors are off, nothing to embed, or the embedder fails: text ranking remains, the reply goes on. */
  async queryVector(query: string): Promise<QueryVector | null> {
    if (!this.enabled) return null;
    try {
      const [vector] = await this.embedder.embed([query]);
      if (!vector || isZeroVector(vector)) return null;
      return { model: this.embedder.model, literal: toVectorLiteral(vector) };
    } catch (error) {
      this.logger.warn(`Embedding the query failed, ranking by text alone: ${message(error)}`);
      return null;
    }
  }

  private async decide(): Promise<VectorSupportStatus> {
    const versions = await this.repository.extensionVersions();
    const available = versions.available !== null || versions.installed !== null;
    if (!available)
      return {
        available,
        enabled: false,
        reason:
          'the PostgreSQL server has no "vector" extension (not in pg_available_extensions); ' +
          'install pgvector on the server to rank memories by vector similarity too. Using full-text retrieval.',
      };
    if (this.mode === 'off')
      return { available, enabled: false, reason: 'pgvector is available but turned off (mode "off")' };
    const dimensions = this.embedder.dimensions;
    try {
      await this.repository.install(dimensions, versions.installed !== null);
    } catch (error) {
      return {
        available,
        enabled: false,
        reason: `could not set pgvector up (${message(error)}); using full-text retrieval`,
      };
    }
    const type = await this.repository.embeddingColumnType();
    if (type !== `vector(${dimensions})`)
      return {
        available,
        enabled: false,
        reason:
          `"MemoryEmbedding"."embedding" is ${type ?? 'missing'} but the embedder "${this.embedder.model}" ` +
          `makes vector(${dimensions}); drop the table to have it recreated and backfilled. Using full-text retrieval.`,
      };
    const version = (await this.repository.extensionVersions()).installed ?? versions.available;
    return {
      available,
      enabled: true,
      reason: `pgvector ${version} in use with embedder "${this.embedder.model}" (${dimensions} dimensions)`,
    };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
