// Queue contracts live here, processors in apps/worker (STYLE.md). Later issues add proofs, settlement, zk
// and memory queues; each job name maps to exactly one payload type below.
export enum QueueName {
  System = 'system',
}

export enum JobName {
  Ping = 'ping',
}

export interface JobPayloads {
  [JobName.Ping]: { sentAt: number };
}

export const JOBS_BY_QUEUE: Record<QueueName, JobName[]> = {
  [QueueName.System]: [JobName.Ping],
};
