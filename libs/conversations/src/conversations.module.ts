import { Module } from '@nestjs/common';
import { PersonasModule } from '@app/personas';
import { RateLimitModule } from '@app/rate-limit';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';

/** The Conversation and Message tables alone, for the worker and chat: no controllers, no persona rules. */
@Module({ providers: [ConversationsRepository], exports: [ConversationsRepository] })
export class ConversationStoreModule {}

@Module({
  imports: [PersonasModule, RateLimitModule, ConversationStoreModule],
  controllers: [ConversationsController],
  providers: [ConversationsService],
  exports: [ConversationsService, ConversationStoreModule],
})
export class ConversationsModule {}
