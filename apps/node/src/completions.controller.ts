import { Body, Controller, HttpStatus, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { parseCompletionBody, ProtocolError } from '@app/node-protocol';
import type { Response } from 'express';
import { NodeDrain } from './node-drain';
import { nodeError } from './node-http-errors';
import { NodeInference } from './node-inference.service';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';
import { RouterCredentialGuard } from './router-credential.guard';

@Controller('v1')
export class CompletionsController {
  constructor(
    @Inject(NODE_OPTIONS) private readonly options: NodeOptions,
    private readonly drain: NodeDrain,
    private readonly inference: NodeInference,
  ) {}

  @Post('chat/completions')
  @UseGuards(RouterCredentialGuard)
  async completions(@Body() body: unknown, @Res() response: Response): Promise<void> {
    if (this.drain.draining)
      throw nodeError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'SERVER_STOPPING',
        'This node is stopping; use another.',
      );
    let request;
    try {
      request = parseCompletionBody(body);
    } catch (error) {
      if (error instanceof ProtocolError)
        throw nodeError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', error.message);
      throw error;
    }
    if (!this.options.modelIds.includes(request.model.modelId))
      throw nodeError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        `This node serves ${this.options.modelIds.join(', ')}, not ${request.model.modelId}.`,
      );
    await this.inference.stream(request, response);
  }
}
