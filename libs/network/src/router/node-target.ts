import type { NodeInferenceRequest, NodeStream } from '../inference-node';

/** One node the router may send a reply to: the in-process node or a registered one. */
export interface NodeTarget {
  /** The router's bookkeeping key: the node id, or IN_PROCESS_KEY. */
  readonly key: string;
  /** The api's own node: not behind a circuit breaker or the ITL timeout, it is this process. */
  readonly inProcess: boolean;
  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream;
}

export const IN_PROCESS_KEY = 'in-process';
