import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AcceptsPrivateToken, AuthUser, CurrentUser } from '@app/auth';
import { PersonasService } from '@app/personas';
import type { Response } from 'express';
import { OpenAiCompletions, ReplyFailedError } from './openai-completions';
import { continuedConversation, parseCompletionRequest } from './openai-request';
import { CompletionResponse } from './openai-response';

/** OpenAI's chat API over personas: `model` is a persona slug, so existing OpenAI clients work unchanged. */
@ApiTags('openai-compatible')
@ApiBearerAuth()
@Controller('v1')
export class OpenAiCompatController {
  constructor(
    private readonly chatCompletions: OpenAiCompletions,
    private readonly personas: PersonasService,
  ) {}

  @Get('models')
  @ApiOkResponse({ description: 'The personas the caller may chat with, as models (id = persona slug)' })
  async models(
    @CurrentUser() user: AuthUser,
  ): Promise<{ object: 'list'; data: { id: string; object: 'model'; created: number; owned_by: string }[] }> {
    const [listed, own] = await Promise.all([
      this.personas.search(user, { limit: 100 }),
      this.personas.search(user, { owner: 'me', limit: 100 }),
    ]);
    const unique = new Map([...own.data, ...listed.data].map((p) => [p.slug, p]));
    return {
      object: 'list',
      data: [...unique.values()].map((p) => ({
        id: p.slug,
        object: 'model',
        created: Math.floor(p.createdAt.getTime() / 1000),
        owned_by: p.ownerHandle,
      })),
    };
  }

  @Post('chat/completions')
  // Private chat (docs/privacy.md): a Privacy Pass token, redeemed by the auth guard, instead of an API key.
  @AcceptsPrivateToken()
  // OpenAI answers 200, not Nest's default 201 for POST; strict clients check for it.
  @HttpCode(200)
  @ApiOkResponse({
    description: 'chat.completion, or chat.completion.chunk server-sent events when stream is true',
  })
  async completions(
    @CurrentUser() user: AuthUser,
    @Body() body: unknown,
    @Headers('x-conversation-id') conversationHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const request = parseCompletionRequest(body);
    const continued = continuedConversation(conversationHeader, request.user);
    const format = new CompletionResponse(request.model);
    const completion = await this.chatCompletions.start(user, request, continued);
    response.setHeader('X-Conversation-Id', completion.conversationId);
    if (completion.inferenceId) response.setHeader('X-Inference-Id', completion.inferenceId);
    if (!request.stream) {
      // A reply that did not finish leaves through the exception filter, with its code's status.
      const { done, finish } = await completion.finished();
      response.json(format.completion(done, finish));
      return;
    }
    response.setHeader('Content-Type', 'text/event-stream');
    response.setHeader('Cache-Control', 'no-cache');
    response.flushHeaders();
    completion.stream((delta) => response.write(format.tokenEvent(delta)));
    // A client that goes away should not keep the model busy.
    response.on('close', () => completion.abandon());
    const last = await completion.finished().then(
      ({ done, finish }) => format.finalEvent(done, finish),
      (error: unknown) => {
        if (!(error instanceof ReplyFailedError)) throw error;
        return format.errorEvent(error);
      },
    );
    response.write(last);
    response.end('data: [DONE]\n\n');
  }
}
