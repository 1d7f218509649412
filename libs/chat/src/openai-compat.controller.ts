import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@app/auth';
import { PersonasService } from '@app/personas';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { DoneEvent } from '@app/realtime';
import type { FinishReason } from '@app/inference';
import { ChatService } from './chat.service';
import { continuedConversation, parseCompletionRequest } from './openai-request';
import { CompletionResponse } from './openai-response';

/** OpenAI's chat API over personas: `model` is a persona slug, so existing OpenAI clients work unchanged. */
@ApiTags('openai-compatible')
@ApiBearerAuth()
@Controller('v1')
export class OpenAiCompatController {
  constructor(
    private readonly chat: ChatService,
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
    let finished: DoneEvent | undefined;
    let finishReason: FinishReason = 'stop';
    let failure: { code: string; message: string } | undefined;
    // Tokens may come before the headers are flushed (they need the inference id): hold them until then.
    let pending: string[] | null = [];
    const write = (text: string) => (pending ? pending.push(text) : response.write(text));
    // Without a conversation to continue, the service starts one only once the message has passed its checks.
    const accepted = await this.chat.send(user, {
      ...(continued ? { conversationId: continued } : { startWithPersona: request.model }),
      content: request.content,
      clientMessageId: randomUUID(),
      // A continued conversation's stored turns are the record the receipts chain; the client's copy is not used.
      generation: continued ? { ...request.generation, history: undefined } : request.generation,
      listener: {
        token: (event) => {
          if (!request.stream) return;
          write(format.tokenEvent(event.delta));
        },
        done: (event, finish) => {
          finished = event;
          finishReason = finish;
        },
        error: (event) => (failure = event.error),
      },
    });
    response.setHeader('X-Conversation-Id', accepted.conversationId);
    if (accepted.inferenceId) response.setHeader('X-Inference-Id', accepted.inferenceId);
    if (request.stream) {
      response.setHeader('Content-Type', 'text/event-stream');
      response.setHeader('Cache-Control', 'no-cache');
      response.flushHeaders();
      pending.forEach((text) => response.write(text));
      pending = null;
      // A client that goes away should not keep the model busy.
      response.on('close', () => {
        if (!finished) this.chat.cancel(user, accepted.assistantMessageId).catch(() => undefined);
      });
    }
    await accepted.reply;

    if (request.stream) {
      if (finished) response.write(format.finalEvent(finished, finishReason));
      else
        response.write(
          `data: ${JSON.stringify({ error: failure ?? { code: 'MODEL_FAILED', message: 'The reply did not finish.' } })}\n\n`,
        );
      response.end('data: [DONE]\n\n');
      return;
    }
    if (!finished) {
      const error = failure ?? { code: 'MODEL_FAILED', message: 'The reply did not finish.' };
      response.status(error.code === 'CANCELLED' ? 409 : 502).json({ error });
      return;
    }
    response.json(format.completion(finished, finishReason));
  }
}
