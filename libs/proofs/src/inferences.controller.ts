import { Controller, Get, Header, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, PrivateSessionRoute, Public } from '@app/auth';
import type { ProofBundle } from '@app/receipts';
import type { Response } from 'express';
import { InferenceView } from './inference-view';
import { ChainView, InferencesService } from './inferences.service';

@ApiTags('inferences')
@ApiBearerAuth()
@Controller('v1')
export class InferencesController {
  constructor(private readonly inferences: InferencesService) {}

  @Get('inferences/:id')
  @PrivateSessionRoute()
  @ApiOkResponse({
    description:
      '{ id, messageId, conversationId, status, verification, receipt, digest, signature, signer, attestation, batch, zk, grounding { personaVersionHash, memoryIds? (participants) }, timings, error, salt? (participants, v2) }',
  })
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<InferenceView> {
    return this.inferences.get(user, id);
  }

  @Get('inferences/:id/bundle')
  @PrivateSessionRoute()
  @ApiOkResponse({
    description: 'Everything needed to verify the reply offline; content, input and salt for participants',
  })
  bundle(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ProofBundle> {
    return this.inferences.bundle(user, id);
  }

  // Public: a verifier needs the chain facts without an account. rpcUrl is CHAIN_PUBLIC_RPC_URL, never CHAIN_RPC_URL.
  @Public()
  @Get('chain')
  @ApiOkResponse({ description: '{ chainId, rpcUrl (the public RPC URL), anchorContract }' })
  chain(): Promise<ChainView> {
    return this.inferences.chainView();
  }

  @Get('conversations/:id/audit')
  @Header('Content-Type', 'application/x-ndjson; charset=utf-8')
  @ApiOkResponse({ description: 'JSON Lines: the conversation, then each message with its proof bundle' })
  async audit(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() response: Response,
  ): Promise<void> {
    const lines = this.inferences.audit(user, id);
    // The first line is awaited before anything is sent, so an unknown conversation still gets a proper 404.
    const first = await lines.next();
    response.setHeader('Content-Disposition', `attachment; filename="conversation-${id}.jsonl"`);
    if (!first.done) response.write(first.value + '\n');
    for await (const line of lines) response.write(line + '\n');
    response.end();
  }
}
