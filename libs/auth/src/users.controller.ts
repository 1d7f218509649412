import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RateLimit } from '@app/rate-limit';
import type { AuthUser } from './auth-user';
import { CurrentUser, Public } from './decorators';
import { CreateKeyDto, CreateUserDto } from './dto/create-user.dto';
import { KeyResponse, NewKeyResponse, SignUpResponse, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @RateLimit('signup')
  @Post('users')
  @ApiCreatedResponse({ type: SignUpResponse })
  async signUp(@Body() dto: CreateUserDto): Promise<SignUpResponse> {
    const { user, apiKey } = await this.users.signUp(dto.handle, dto.role);
    return { id: user.id, handle: user.handle, role: user.role, createdAt: user.createdAt, apiKey };
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: AuthUser): Pick<UserResponse, 'id' | 'handle' | 'role'> {
    return { id: user.id, handle: user.handle, role: user.role };
  }

  @ApiBearerAuth()
  @Get('me/keys')
  @ApiOkResponse({ type: [KeyResponse] })
  async listKeys(@CurrentUser() user: AuthUser): Promise<{ data: KeyResponse[] }> {
    return { data: await this.users.listKeys(user.id) };
  }

  @ApiBearerAuth()
  @Post('me/keys')
  @ApiCreatedResponse({ type: NewKeyResponse })
  async createKey(@CurrentUser() user: AuthUser, @Body() dto: CreateKeyDto): Promise<NewKeyResponse> {
    const { key, apiKey } = await this.users.createKey(user.id, dto.name);
    return { ...key, apiKey };
  }

  @ApiBearerAuth()
  @Delete('me/keys/:id')
  @HttpCode(204)
  async revokeKey(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.users.revokeKey(user.id, id);
  }
}
