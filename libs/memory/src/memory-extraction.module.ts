import { Module } from '@nestjs/common';
import { MemoryExtractionRepository } from './memory-extraction.repository';
import { MemoryExtractionService } from './memory-extraction.service';

/** What the worker needs of memory: no controllers, no persona rules. */
@Module({
  providers: [MemoryExtractionRepository, MemoryExtractionService],
  exports: [MemoryExtractionService],
})
export class MemoryExtractionModule {}
