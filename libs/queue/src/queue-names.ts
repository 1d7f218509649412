// Queue contracts live here, processors in apps/worker (STYLE.md). Later issues add proofs, settlement, zk
// and memory queues; each job name maps to exactly one payload type below.
export enum QueueName {
  System = 'system',
  Memory = 'memory',
}

export enum JobName {
  Ping = 'ping',
  ExtractMemories = 'extract-memories',
}

export interface JobPayloads {
  [JobName.Ping]: { sentAt: number };
  /** A user's chat message whose own words may hold facts to remember. */
  [JobName.ExtractMemories]: { messageId: string };
}

export const JOBS_BY_QUEUE: Record<QueueName, JobName[]> = {
  [QueueName.System]: [JobName.Ping],
  [QueueName.Memory]: [JobName.ExtractMemories],
};

/** Dedup ids (BullMQ forbids ":" in them): enqueuing the same work twice (a retried send, a replayed turn) runs it once. */
export const jobIds = {
  extractMemories: (messageId: string): string => `extract-memories-${messageId}`,
};
