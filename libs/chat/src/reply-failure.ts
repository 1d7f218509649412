import { DomainError, ErrorCode } from '@app/common';
import { isAbortError, ModelError } from '@app/inference';
import type { MessageErrorEvent } from '@app/realtime';

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
  if (error instanceof ModelError)
    return { cancelled: false, error: { code: ErrorCode.MODEL_FAILED, message: error.message } };
  return {
    cancelled: false,
    error: { code: ErrorCode.MODEL_FAILED, message: 'The model failed to answer; try again.' },
  };
}
