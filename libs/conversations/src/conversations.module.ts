import { Module } from '@nestjs/common';
import { PersonasModule } from '@app/personas';
import { RateLimitModule } from '@app/rate-limit';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [PersonasModule, RateLimitModule],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, ConversationsService],
  exports: [ConversationsService, ConversationsRepository],
})
export class ConversationsModule {}
