import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MemoryEmbeddingRepository } from './memory-embedding.repository';
import { embeddingRows } from './embedding-rows';
import { VectorSupport } from './vector-support';

export const BACKFILL_BATCH_SIZE = 500;

/**
 * Vectors for live memories lacking one of the current model for their current content (pgvector enabled late, a new
 * embedder, writes around the repositories). Idempotent: two runs at once only duplicate work.
 */
@Injectable()
export class MemoryEmbeddingBackfill implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MemoryEmbeddingBackfill.name);
  private stopping = false;
  private running: Promise<number> | undefined;

  constructor(
    private readonly vectors: VectorSupport,
    private readonly repository: MemoryEmbeddingRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.vectors.enabled) return;
    // Not awaited: at a million memories this takes minutes, and the worker has jobs to take meanwhile.
    this.running = this.run().catch((error: unknown) => {
      this.logger.error(
        `Embedding backfill stopped: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 0;
    });
  }

  // Before the database module closes its connections (Nest destroys the root's modules first, globals last).
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  async run(batchSize: number = BACKFILL_BATCH_SIZE): Promise<number> {
    let stored = 0;
    let after: string | null = null;
    while (!this.stopping) {
      const batch = await this.repository.pending(this.vectors.embedder.model, after, batchSize);
      const last = batch.at(-1);
      if (!last) break;
      const made = await this.vectors.embedForStorage(batch.map((memory) => memory.content));
      if (!made) break; // vectors were turned off meanwhile
      stored += await this.repository.save(embeddingRows(batch, made));
      // Past the batch even where nothing was stored (text without letters): the cursor makes every run end.
      after = last.id;
    }
    if (stored > 0) this.logger.log(`Embedding backfill stored ${stored} vectors`);
    return stored;
  }
}
