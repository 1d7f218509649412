// After a reply's proof is anchored: the bundle read again and checked against the chain itself, through the relay.
import {
  type ChainInfo,
  PrivateChatError,
  type PrivateChatClient,
  type PrivateRoute,
} from '@app/privacy/client';
import { ChainReader, type CheckResult, type ProofBundle } from '@app/receipts';

export type ChainReaderFactory = (rpcUrl: string, contract?: string) => ChainReader;

export interface OnChainResult {
  ok: boolean;
  /** The block the bundle names, when it names one. */
  block: number | null;
  /** anchored-on-chain, or the first check that failed. */
  check: CheckResult;
  /** The zk-proof check, when the bundle carries a proof. */
  zk: CheckResult | null;
}

/** The chain's public RPC URL, read once per run through the relay (the same answer for everyone). */
export class OnChainCheck {
  private chain?: Promise<ChainInfo>;

  constructor(
    private readonly client: PrivateChatClient,
    private readonly makeReader: ChainReaderFactory = (rpcUrl, contract) => new ChainReader(rpcUrl, contract),
  ) {}

  async check(
    route: PrivateRoute,
    inferenceId: string,
    content: string,
    read: () => Promise<ProofBundle>,
  ): Promise<OnChainResult> {
    this.chain ??= this.client.chainInfo(route);
    const info = await this.chain.catch((error: unknown) => {
      this.chain = undefined;
      throw error;
    });
    if (typeof info.rpcUrl !== 'string' || !info.rpcUrl)
      throw new PrivateChatError('RESPONSE_INVALID', 'GET /v1/chain named no public RPC URL.', 'api');
    const bundle = await read();
    const reader = this.makeReader(info.rpcUrl, info.anchorContract ?? undefined);
    try {
      const result = await this.client.verifyReply(route, bundle, content, {
        expectedInferenceId: inferenceId,
        chain: reader,
      });
      const checks = result.verification.checks;
      const anchored = checks.find((check) => check.check === 'anchored-on-chain');
      const failed = checks.find((check) => check.status === 'fail');
      const zk = bundle.zk ? (checks.find((check) => check.check === 'zk-proof') ?? null) : null;
      const check = failed ??
        anchored ?? { check: 'anchored-on-chain', status: 'skip', detail: 'not checked' };
      return {
        ok: !failed && anchored?.status === 'pass',
        block: bundle.batch?.blockNumber ?? null,
        check,
        zk,
      };
    } finally {
      reader.close();
    }
  }
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '–' };

export function onChainLines(result: OnChainResult): string[] {
  const lines = [
    result.ok
      ? `  ✓ anchored in block ${result.block} (checked on chain)`
      : `  ${MARK[result.check.status]} ${result.check.check}: ${result.check.detail}`,
  ];
  if (result.zk) lines.push(`  ${MARK[result.zk.status]} zk-proof: ${result.zk.detail}`);
  return lines;
}
