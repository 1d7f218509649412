import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { parseProbeRequest, signProbeAnswer, type ProbeAnswer } from '@app/node-protocol';
import { nodeError } from './node-http-errors';
import { NodeIdentity } from './node-identity';
import { RouterCredentialGuard } from './router-credential.guard';

/**
 * The api's liveness probe (docs/network.md): signing its fresh challenge shows the api that this key answers at the
 * registered URL, which a heartbeat pushed from elsewhere cannot.
 */
@Controller('v1')
export class ProbeController {
  constructor(private readonly identity: NodeIdentity) {}

  @Post('probe')
  @HttpCode(HttpStatus.OK)
  @UseGuards(RouterCredentialGuard)
  probe(@Body() body: unknown): Promise<ProbeAnswer> {
    const probe = parseProbeRequest(body);
    if (!probe)
      throw nodeError(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        'A probe is { challenge: 64 hex, nodeId }.',
      );
    // The guard has checked a registration exists; an answer for another id would vouch for a registration not ours.
    const nodeId = this.identity.registration?.nodeId;
    if (probe.nodeId !== nodeId)
      throw nodeError(
        HttpStatus.CONFLICT,
        'CONFLICT',
        `This node is registered as ${nodeId}, not ${probe.nodeId}.`,
      );
    return signProbeAnswer(this.identity.wallet, probe);
  }
}
