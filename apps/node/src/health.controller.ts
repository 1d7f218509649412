import { Controller, Get, Inject } from '@nestjs/common';
import { NodeDrain } from './node-drain';
import { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

/** No credentials: load balancers and operators read it. */
@Controller()
export class HealthController {
  constructor(
    @Inject(NODE_OPTIONS) private readonly options: NodeOptions,
    private readonly identity: NodeIdentity,
    private readonly drain: NodeDrain,
  ) {}

  @Get('health')
  health(): Record<string, unknown> {
    const registration = this.identity.registration;
    const status = this.drain.draining
      ? 'draining'
      : this.identity.revoked
        ? 'revoked'
        : registration
          ? 'active'
          : 'registering';
    return {
      status,
      name: this.options.name,
      address: this.identity.wallet.address,
      nodeId: registration?.nodeId ?? null,
      modelIds: this.options.modelIds,
      outstanding: this.drain.outstanding,
    };
  }
}
