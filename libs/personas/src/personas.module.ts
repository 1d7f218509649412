import { Module } from '@nestjs/common';
import { PersonasController } from './personas.controller';
import { PersonasRepository } from './personas.repository';
import { PersonasService } from './personas.service';

@Module({
  controllers: [PersonasController],
  providers: [PersonasRepository, PersonasService],
  exports: [PersonasService],
})
export class PersonasModule {}
