// Queue contracts live here, processors in apps/worker (docs/contributing.md); each job name maps to exactly one payload type.
export enum QueueName {
  System = 'system',
  Memory = 'memory',
  Proofs = 'proofs',
  Settlement = 'settlement',
  Zk = 'zk',
  // Its own queue: a check waits on another node's whole reply, which must not hold up attestations.
  SpotChecks = 'spot-checks',
}

export enum JobName {
  Ping = 'ping',
  ExtractMemories = 'extract-memories',
  AttestReceipt = 'attest-receipt',
  AnchorBatch = 'anchor-batch',
  ProveReply = 'prove-reply',
  SpotCheck = 'spot-check',
}

export interface JobPayloads {
  [JobName.Ping]: { sentAt: number };
  /** A user's chat message whose own words may hold facts to remember. */
  [JobName.ExtractMemories]: { messageId: string };
  /** Check a reply's signed receipt and its node's attestation, then add the receipt to the open batch. */
  [JobName.AttestReceipt]: { inferenceId: string };
  /** Close a batch if still open, build its Merkle tree and anchor the root on chain. */
  [JobName.AnchorBatch]: { batchId: string };
  /** Prove the persona's small scoring model on a reply with Groth16. */
  [JobName.ProveReply]: { inferenceId: string };
  /** Re-run an attested reply on another operator's node and compare the output commitments. */
  [JobName.SpotCheck]: { inferenceId: string };
}

export const JOBS_BY_QUEUE: Record<QueueName, JobName[]> = {
  [QueueName.System]: [JobName.Ping],
  [QueueName.Memory]: [JobName.ExtractMemories],
  [QueueName.Proofs]: [JobName.AttestReceipt],
  [QueueName.Settlement]: [JobName.AnchorBatch],
  [QueueName.Zk]: [JobName.ProveReply],
  [QueueName.SpotChecks]: [JobName.SpotCheck],
};

/** Dedup ids (BullMQ forbids ":" in them): enqueuing the same work twice (a retried send, a replayed turn) runs it once. */
export const jobIds = {
  extractMemories: (messageId: string): string => `extract-memories-${messageId}`,
  attestReceipt: (inferenceId: string): string => `attest-${inferenceId}`,
  anchorBatch: (batchId: string): string => `anchor-${batchId}`,
  proveReply: (inferenceId: string): string => `zk-${inferenceId}`,
  spotCheck: (inferenceId: string): string => `spot-check-${inferenceId}`,
};
