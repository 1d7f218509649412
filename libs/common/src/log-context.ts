import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation ids of the work in progress: an HTTP request, a socket event or a job. Every log line made inside
 * one carries them (root-logger.ts), and jobs enqueued inside one take them along (`correlated` in @app/queue).
 */
export interface LogContext {
  /** The HTTP request's id (X-Request-Id), a socket event's own, or that of the request or event a job came from. */
  requestId?: string;
  /** The user's chat message the work is for. */
  messageId?: string;
  inferenceId?: string;
  jobId?: string;
  queue?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `run` in `context`; `context` itself is the store, so assignLogContext calls inside it reach its holder. */
export function runInLogContext<T>(context: LogContext, run: () => T): T {
  return storage.run(context, run);
}

export function currentLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}

/** Adds ids to the current context, for the rest of its work and the jobs it enqueues; a no-op outside one. */
export function assignLogContext(fields: { messageId?: string; inferenceId?: string }): void {
  const context = storage.getStore();
  if (!context) return;
  if (fields.messageId !== undefined) context.messageId = fields.messageId;
  if (fields.inferenceId !== undefined) context.inferenceId = fields.inferenceId;
}

/** The ids as log fields: a fresh object, since pino merges each line's own fields into what this returns. */
export function logContextFields(): LogContext {
  const context = storage.getStore();
  if (!context) return {};
  const fields: LogContext = {};
  if (context.requestId !== undefined) fields.requestId = context.requestId;
  if (context.messageId !== undefined) fields.messageId = context.messageId;
  if (context.inferenceId !== undefined) fields.inferenceId = context.inferenceId;
  if (context.jobId !== undefined) fields.jobId = context.jobId;
  if (context.queue !== undefined) fields.queue = context.queue;
  return fields;
}
