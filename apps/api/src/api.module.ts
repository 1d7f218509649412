import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard, AuthModule } from '@app/auth';
import { AllExceptionsFilter } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { ChatModule } from '@app/chat';
import { ConversationsModule } from '@app/conversations';
import { HealthModule } from '@app/health';
import { HubModule } from '@app/hub';
import { MemoryModule, VectorSupportModule } from '@app/memory';
import { PersonasModule } from '@app/personas';
import { PrivacyModule } from '@app/privacy';
import { ProofsModule } from '@app/proofs';
import { RateLimitGuard, RateLimitModule } from '@app/rate-limit';
import { RedisModule } from '@app/redis';

@Module({
  imports: [
    DatabaseModule,
    RedisModule,
    RateLimitModule,
    AuthModule,
    HealthModule,
    PersonasModule,
    MemoryModule,
    ConversationsModule,
    ChatModule,
    ProofsModule,
    PrivacyModule,
    HubModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    // Order matters: the rate limit counts per user, so it runs after authentication.
    { provide: APP_GUARD, useExisting: ApiKeyGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
  ],
})
export class ApiModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), VectorSupportModule.forRoot({ mode: config.pgvector })],
    };
  }
}
