import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ConversationsModule } from '@app/conversations';
import { PersonasModule } from '@app/personas';
import { InferenceModule } from '@app/inference';
import { MemoryModule } from '@app/memory';
import { NetworkModule } from '@app/network';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { AbandonedReplies } from './abandoned-replies';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';
import { ConversationLock } from './conversation-lock';
import { OpenAiCompatController } from './openai-compat.controller';
import { ReplayBuffer } from './replay-buffer';
import { ReplyCancellation } from './reply-cancellation';
import { ReplyHeartbeat } from './reply-heartbeat';

/** What settling abandoned replies needs, and nothing of the gateway: the worker's sweep imports this alone. */
@Module({
  providers: [ChatRepository, ConversationLock, ReplyHeartbeat, AbandonedReplies],
  exports: [ChatRepository, ConversationLock, ReplyHeartbeat, AbandonedReplies],
})
export class ReplyRecoveryModule {}

@Module({
  imports: [
    AuthModule,
    InferenceModule,
    MemoryModule,
    NetworkModule,
    QueueModule,
    RateLimitModule,
    ConversationsModule,
    PersonasModule,
    ReplyRecoveryModule,
  ],
  controllers: [OpenAiCompatController],
  providers: [ChatGateway, ChatService, ChatEmitter, ReplayBuffer, ReplyCancellation],
  exports: [ChatService],
})
export class ChatModule {}
