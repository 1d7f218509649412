import { Module } from '@nestjs/common';
import { PersonasModule } from '@app/personas';
import { DataExportController } from './data-export.controller';
import { DataExportRepository } from './data-export.repository';
import { VectorSupportModule } from './embedding/vector-support.module';
import { MemoryController } from './memory.controller';
import { MemoryRepository } from './memory.repository';
import { MemoryService } from './memory.service';

@Module({
  imports: [PersonasModule, VectorSupportModule],
  controllers: [MemoryController, DataExportController],
  providers: [MemoryRepository, MemoryService, DataExportRepository],
  exports: [MemoryRepository, MemoryService],
})
export class MemoryModule {}
