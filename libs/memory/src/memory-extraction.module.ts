import { Module } from '@nestjs/common';
import { ConversationStoreModule } from '@app/conversations';
import { MemoryEmbeddingBackfill } from './embedding/memory-embedding-backfill';
import { VectorSupportModule } from './embedding/vector-support.module';
import { MemoryExtractionRepository } from './memory-extraction.repository';
import { MemoryExtractionService } from './memory-extraction.service';

/** What the worker needs of memory: no controllers, no persona rules; it also backfills embeddings. */
@Module({
  imports: [VectorSupportModule, ConversationStoreModule],
  providers: [MemoryExtractionRepository, MemoryExtractionService, MemoryEmbeddingBackfill],
  exports: [MemoryExtractionService],
})
export class MemoryExtractionModule {}
