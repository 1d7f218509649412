import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ConversationsModule } from '@app/conversations';
import { PersonasModule } from '@app/personas';
import { AppConfig } from '@app/config';
import { ModelRegistry, parseLatencyProfile } from '@app/inference';
import { MemoryModule } from '@app/memory';
import { NetworkModule } from '@app/network';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';
import { ConversationLock } from './conversation-lock';
import { OpenAiCompatController } from './openai-compat.controller';
import { ReplayBuffer } from './replay-buffer';
import { ReplyCancellation } from './reply-cancellation';
import { ReplyHeartbeat } from './reply-heartbeat';

@Module({
  imports: [
    AuthModule,
    MemoryModule,
    NetworkModule,
    QueueModule,
    RateLimitModule,
    ConversationsModule,
    PersonasModule,
  ],
  controllers: [OpenAiCompatController],
  providers: [
    ChatGateway,
    ChatService,
    ChatRepository,
    ChatEmitter,
    ConversationLock,
    ReplayBuffer,
    ReplyCancellation,
    ReplyHeartbeat,
    {
      provide: ModelRegistry,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new ModelRegistry({
          embedded: { defaultLatency: parseLatencyProfile(config.models.embeddedLatency) },
          openAiCompatible: config.models.openAiCompatible,
        }),
    },
  ],
  exports: [ChatService],
})
export class ChatModule {}
