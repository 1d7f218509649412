import type { ModelRequest, ModelStream } from '@app/inference';
import type { Receipt } from '@app/receipts';

/** The receipt fields a reply fixes before any node runs it; the node signs them as given. */
export interface ReceiptContext {
  inferenceId: string;
  conversationId: string;
  /** The conversation's chain head when the reply started. */
  previousDigest: string;
  personaVersionHash: string;
}

export interface NodeInferenceRequest {
  model: ModelRequest;
  receipt: ReceiptContext;
}

/** A node's signed receipt over exactly what it was given and what it streamed, with the salt it committed with. */
export interface NodeReceipt {
  nodeId: string;
  receipt: Receipt;
  digest: string;
  signature: string;
  signer: string;
  salt: string;
}

/** A reply streaming from one node; `receipt()` resolves once iteration has ended without error. */
export interface NodeStream extends ModelStream {
  readonly nodeId: string;
  /** The address the node is registered with: its receipt must recover to it. */
  readonly nodeAddress: string;
  /** The api's own node: its receipt is signed in this process, so checking it here would prove nothing. */
  readonly inProcess: boolean;
  receipt(): Promise<NodeReceipt>;
  /** The api refused this node's receipt (a lying or broken node): a router stops sending it replies. */
  rejectReceipt?(reason: string): void;
}

/** Where a reply gets a node: the router (or, alone, the in-process node). */
export abstract class InferenceNodes {
  abstract stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream;
}
