import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from './domain-error';

/** The one place that decides which HTTP status each error code gets (the README's error table). */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.MALFORMED_JSON]: HttpStatus.BAD_REQUEST,
  [ErrorCode.INVALID_CARD]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.SIGNUP_DISABLED]: HttpStatus.FORBIDDEN,
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.SLUG_TAKEN]: HttpStatus.CONFLICT,
  [ErrorCode.HANDLE_TAKEN]: HttpStatus.CONFLICT,
  [ErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.CONVERSATION_BUSY]: HttpStatus.CONFLICT,
  [ErrorCode.MODEL_FAILED]: HttpStatus.BAD_GATEWAY,
  [ErrorCode.CANCELLED]: HttpStatus.CONFLICT,
  [ErrorCode.CHAIN_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.SERVER_STOPPING]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.PERSONA_UNAVAILABLE]: HttpStatus.GONE,
  [ErrorCode.NOT_ENOUGH_OPERATORS]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.TOKEN_INVALID]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.TOKEN_SPENT]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.ARTIFACT_HASH_MISMATCH]: HttpStatus.BAD_REQUEST,
  [ErrorCode.NAME_IMPERSONATION]: HttpStatus.CONFLICT,
  [ErrorCode.ARTIFACT_NOT_HELD]: HttpStatus.NOT_FOUND,
  [ErrorCode.UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.INTERNAL]: HttpStatus.INTERNAL_SERVER_ERROR,
};
