import { currentLogContext, LogContext, runInLogContext } from '@app/common/log-context';
import type { Job } from 'bullmq';

/** The ids a job carries from the request, socket event or job that enqueued it. */
export interface JobCorrelation {
  requestId?: string;
  messageId?: string;
  inferenceId?: string;
}

/** `data` with the current context's ids, for `queue.add`; unchanged outside a context. */
export function correlated<T extends object>(data: T): T & { correlation?: JobCorrelation } {
  const context = currentLogContext();
  if (!context) return data;
  const correlation: JobCorrelation = {};
  if (context.requestId !== undefined) correlation.requestId = context.requestId;
  if (context.messageId !== undefined) correlation.messageId = context.messageId;
  if (context.inferenceId !== undefined) correlation.inferenceId = context.inferenceId;
  return { ...data, correlation };
}

/** Runs a job's work in a context restored from its payload, plus its own id and queue. */
export function runInJobContext<T>(job: Job, run: () => T): T {
  const context: LogContext = { ...correlationOf(job.data), jobId: job.id, queue: job.queueName };
  return runInLogContext(context, run);
}

// Payloads are ours, but a job enqueued by an older release, or by hand, may have none or another shape.
function correlationOf(data: unknown): JobCorrelation {
  const correlation: unknown =
    typeof data === 'object' && data !== null ? (data as { correlation?: unknown }).correlation : undefined;
  if (typeof correlation !== 'object' || correlation === null) return {};
  const { requestId, messageId, inferenceId } = correlation as Record<string, unknown>;
  return {
    ...(typeof requestId === 'string' && { requestId }),
    ...(typeof messageId === 'string' && { messageId }),
    ...(typeof inferenceId === 'string' && { inferenceId }),
  };
}
