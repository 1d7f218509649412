import { Module } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';
import { SocketEventGuard } from './socket-event-guard';

@Module({
  providers: [RateLimiter, RateLimitGuard, SocketEventGuard],
  exports: [RateLimiter, RateLimitGuard, SocketEventGuard],
})
export class RateLimitModule {}
