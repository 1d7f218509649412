import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@app/auth';
import { UpdateMemoryDto } from './dto/update-memory.dto';
import { MemoryService, MemoryView } from './memory.service';

@ApiTags('memory')
@ApiBearerAuth()
@Controller('v1')
export class MemoryController {
  constructor(private readonly memory: MemoryService) {}

  @Get('personas/:id/memories')
  @ApiOkResponse({
    description: "What this persona remembers about the caller (the caller's own memories only)",
  })
  async list(@CurrentUser() user: AuthUser, @Param('id') personaId: string): Promise<{ data: MemoryView[] }> {
    return { data: await this.memory.list(user, personaId) };
  }

  @Patch('memories/:id')
  @ApiOkResponse({ description: 'The corrected memory' })
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateMemoryDto,
  ): Promise<MemoryView> {
    return this.memory.update(user, id, dto);
  }

  @Delete('memories/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Forgotten, with the older versions it replaced' })
  async forget(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.memory.forget(user, id);
  }
}
