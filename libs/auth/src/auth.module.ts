import { Module } from '@nestjs/common';
import { RealtimeModule } from '@app/realtime';
import { ApiKeyGuard } from './auth.guard';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [RealtimeModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, ApiKeyGuard],
  exports: [UsersService, ApiKeyGuard],
})
export class AuthModule {}
