import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@app/auth';
import { CreateConversationDto, MessagesQuery } from './dto/conversation.dto';
import { ConversationsService, ConversationView, MessageView } from './conversations.service';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post()
  @ApiCreatedResponse({ description: '{ id, personaId, personaVersion, messages: [greeting] }' })
  start(@CurrentUser() user: AuthUser, @Body() dto: CreateConversationDto): Promise<ConversationView> {
    return this.conversations.start(user, dto.personaId);
  }

  @Get(':id/messages')
  @ApiOkResponse({
    description: 'Oldest first; pass nextBefore as before for older messages (participants only)',
  })
  messages(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: MessagesQuery,
  ): Promise<{ data: MessageView[]; nextBefore: string | null }> {
    return this.conversations.messages(user, id, query);
  }
}
