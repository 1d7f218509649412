import { JOBS_BY_QUEUE, QueueName } from '@app/queue';

/** Which queues this worker consumes; startup fails if a queue in the contract has no processor here. */
export const HANDLED_QUEUES: ReadonlySet<QueueName> = new Set([
  QueueName.System,
  QueueName.Memory,
  QueueName.Proofs,
  QueueName.Settlement,
  QueueName.Zk,
]);

export function assertEveryQueueHandled(): void {
  const missing = (Object.keys(JOBS_BY_QUEUE) as QueueName[]).filter((queue) => !HANDLED_QUEUES.has(queue));
  if (missing.length > 0) throw new Error(`No processor for queue(s): ${missing.join(', ')}`);
}
