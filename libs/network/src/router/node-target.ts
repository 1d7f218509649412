import type { NodeInferenceRequest, NodeStream } from '../inference-node';

/** One node the router may send a reply to: the in-process node or a registered one. */
export interface NodeTarget {
  /** The router's bookkeeping key: the node id, or IN_PROCESS_KEY. */
  readonly key: string;
  /** The api's own node: not behind a circuit breaker or the ITL timeout, it is this process. */
  readonly inProcess: boolean;
  /** Who runs it: independent operators are counted for a persona's minOperators and chosen for spot checks. */
  readonly operatorId: string | null;
  /** The TEE technology behind its attestation (dev, nitro, tdx, sev-snp). */
  readonly teeKind: string;
  /** Its signing address. */
  readonly address: string;
  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream;
}

export const IN_PROCESS_KEY = 'in-process';
