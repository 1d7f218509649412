import {
  CanActivate,
  ExecutionContext,
  HttpStatus,
  Injectable,
  Logger,
  RawBodyRequest,
} from '@nestjs/common';
import { ROUTER_HEADER, verifyRouterCredential } from '@app/node-protocol';
import type { Request } from 'express';
import { NodeIdentity } from './node-identity';
import { nodeError } from './node-http-errors';
import { ReplayGuard } from './replay-guard';

/** Only the api this node registered with may call it, each inference once (docs/network.md, router credentials). */
@Injectable()
export class RouterCredentialGuard implements CanActivate {
  private readonly logger = new Logger(RouterCredentialGuard.name);

  constructor(
    private readonly identity: NodeIdentity,
    private readonly replays: ReplayGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    const registration = this.identity.registration;
    if (!registration)
      throw nodeError(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', 'This node has not registered yet.');
    const check = verifyRouterCredential(request.header(ROUTER_HEADER), {
      nodeAddress: this.identity.wallet.address,
      routerAddress: registration.routerAddress,
      rawBody: request.rawBody ?? Buffer.alloc(0),
    });
    if (!check.ok) throw this.refuse(check.reason);
    const inferenceId = (request.body as { twinproof?: { inferenceId?: unknown } } | undefined)?.twinproof
      ?.inferenceId;
    if (typeof inferenceId === 'string' && !this.replays.accept(inferenceId))
      throw this.refuse(`Inference ${inferenceId} was already run here; a replay is refused.`);
    return true;
  }

  private refuse(reason: string): Error {
    this.logger.warn(`Refused a call: ${reason}`);
    return nodeError(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', reason);
  }
}
