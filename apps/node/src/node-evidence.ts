import { Inject, Injectable, Logger } from '@nestjs/common';
import { tdxQuoteForAddress } from '@app/attestation';
import type { NodeTeeEvidence } from '@app/node-protocol';
import { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

/** The hardware evidence this node registers with: none for --tee dev (the api vouches), a TDX quote for --tee tdx. */
@Injectable()
export class NodeEvidence {
  private readonly logger = new Logger(NodeEvidence.name);
  private made?: Promise<NodeTeeEvidence>;

  constructor(
    @Inject(NODE_OPTIONS) private readonly options: NodeOptions,
    private readonly identity: NodeIdentity,
  ) {}

  /** Made once per process: the quote binds the key, which does not change while the process runs. */
  forRegistration(): Promise<NodeTeeEvidence | undefined> {
    const { tee } = this.options;
    if (tee.kind === 'dev') return Promise.resolve(undefined);
    this.made ??= this.makeTdx(tee.tsmRoot, tee.collateral).catch((error: unknown) => {
      this.made = undefined;
      throw error;
    });
    return this.made;
  }

  private async makeTdx(tsmRoot: string, collateral: Record<string, unknown>): Promise<NodeTeeEvidence> {
    const { address } = this.identity.wallet;
    const made = await tdxQuoteForAddress(address, { root: tsmRoot });
    this.logger.log(`TDX quote for ${address} from ${tsmRoot} (${made.quote.length} bytes)`);
    if (made.leftover) this.logger.warn(`${made.leftover}; it is reused next time`);
    return { kind: 'tdx', document: made.quote.toString('base64'), collateral };
  }
}
