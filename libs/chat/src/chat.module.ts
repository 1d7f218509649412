import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ConversationsModule, ConversationStoreModule } from '@app/conversations';
import { PersonasModule } from '@app/personas';
import { InferenceModule } from '@app/inference';
import { MemoryModule } from '@app/memory';
import { NetworkModule } from '@app/network';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { AbandonedReplies } from './abandoned-replies';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { ChatService } from './chat.service';
import { ConversationLock } from './conversation-lock';
import { OpenAiCompatController } from './openai-compat.controller';
import { OpenAiCompletions } from './openai-completions';
import { ReplayBuffer } from './replay-buffer';
import { ReplyCancellation } from './reply-cancellation';
import { ReplyHeartbeat } from './reply-heartbeat';
import { ReplyPrompt } from './reply-prompt';
import { ReplyRecorder } from './reply-recorder';
import { ReplyRecordsRepository } from './reply-records.repository';
import { ReplyResume } from './reply-resume';
import { ReplyStream } from './reply-stream';

/** What settling abandoned replies needs, and nothing of the gateway: the worker's sweep imports this alone. */
@Module({
  imports: [ConversationStoreModule],
  providers: [ConversationLock, ReplyHeartbeat, AbandonedReplies],
  exports: [ConversationLock, ReplyHeartbeat, AbandonedReplies],
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
  providers: [
    ChatGateway,
    ChatService,
    ChatEmitter,
    ReplayBuffer,
    ReplyCancellation,
    ReplyPrompt,
    ReplyStream,
    ReplyRecorder,
    ReplyRecordsRepository,
    ReplyResume,
    OpenAiCompletions,
  ],
  exports: [ChatService],
})
export class ChatModule {}
