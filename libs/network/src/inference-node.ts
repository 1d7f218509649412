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

/** A reply that one node started and another finishes: the delivered text and who streamed it. */
export interface Continuation {
  /** Exactly the text the client has received so far (also `model.continuation`). */
  prefix: string;
  /** The signing address of the node that streamed it: a v3 receipt's `prefixNode`. */
  prefixNode: string;
}

export interface NodeInferenceRequest {
  model: ModelRequest;
  receipt: ReceiptContext;
  /** Set by the router on a takeover, for the finishing node to sign over (receipt v3). */
  continuation?: Continuation;
  /** The persona's minimum number of independent operators serving the model (Persona.minOperators). */
  minOperators?: number;
  /** Called when a node failed mid-reply and another takes it over, before the new node's first token. */
  onTakeover?(event: TakeoverEvent): void;
}

export interface TakeoverEvent {
  /**
   * The registry id of the node that streamed the prefix and failed (its NodeStream.nodeId). The in-process node
   * registers itself at start, so it has one too; the router never passes null here.
   */
  fromNodeId: string | null;
  /** UTF-8 bytes of the reply delivered before the failure. */
  prefixBytes: number;
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
  /** After a takeover: what the finishing node was given; its receipt must commit to it (receipt v3). */
  readonly takeover?: { prefixNodeId: string | null; prefixNode: string; prefixBytes: number };
}

/** Where a reply gets a node: the router (or, alone, the in-process node). */
export abstract class InferenceNodes {
  abstract stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream;
}
