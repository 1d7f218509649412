import { DomainError, ErrorCode } from '@app/common';
import { isAbortError, ModelError } from '@app/inference';
import type { MessageErrorEvent } from '@app/realtime';
import { ModelStalledError } from './reply-stream';

export const SERVER_STOPPING = Symbol('server stopping');

const STOPPED_MID_REPLY =
  'The server stopped before the reply finished; reconnect and send your message again.';

export interface ReplyFailure {
  /** Cancelled by the client: stored as `cancelled`, not logged as a failure. */
  cancelled: boolean;
  error: MessageErrorEvent['error'];
}

export function replyFailure(error: unknown, abortReason: unknown): ReplyFailure {
  if (abortReason === SERVER_STOPPING)
    return { cancelled: false, error: { code: ErrorCode.SERVER_STOPPING, message: STOPPED_MID_REPLY } };
  // A stall aborts the stream too, but arrives as ModelStalledError, a ModelError.
  if (isAbortError(error))
    return { cancelled: true, error: { code: ErrorCode.CANCELLED, message: 'The reply was cancelled.' } };
  if (error instanceof DomainError)
    return { cancelled: false, error: { code: error.code, message: error.message } };
  if (error instanceof ModelStalledError)
    return { cancelled: false, error: { code: ErrorCode.MODEL_FAILED, message: error.message } };
  // An upstream's own error text can quote keys and internal hosts: clients get its status at most, the log the rest.
  const status = error instanceof ModelError && error.status ? ` (its server answered ${error.status})` : '';
  return {
    cancelled: false,
    error: { code: ErrorCode.MODEL_FAILED, message: `The model failed to answer${status}; try again.` },
  };
}
