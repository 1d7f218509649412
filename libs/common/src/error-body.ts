import { HttpException, HttpStatus } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from './domain-error';
import { HTTP_STATUS_BY_CODE } from './http-status';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; errorId?: string };
}

export interface RenderedError {
  status: number;
  body: ErrorBody;
  /** Set for failures the client could not have caused; logged with the stack under this id. */
  errorId?: string;
}

const CODE_BY_HTTP_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: ErrorCode.VALIDATION_FAILED,
  [HttpStatus.UNAUTHORIZED]: ErrorCode.UNAUTHENTICATED,
  [HttpStatus.FORBIDDEN]: ErrorCode.FORBIDDEN,
  [HttpStatus.NOT_FOUND]: ErrorCode.NOT_FOUND,
  [HttpStatus.CONFLICT]: ErrorCode.CONFLICT,
  [HttpStatus.PAYLOAD_TOO_LARGE]: ErrorCode.PAYLOAD_TOO_LARGE,
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  [HttpStatus.TOO_MANY_REQUESTS]: ErrorCode.RATE_LIMITED,
};

// Prisma's codes for a database that is saturated, not broken: no pooled connection (P2024), or no transaction
// started, in the time allowed (P2028). Under a load spike the client should come back shortly, not report a bug.
const DATABASE_BUSY = new Set(['P2024', 'P2028']);
const BUSY_RETRY_AFTER_SECONDS = 1;

function isDatabaseBusy(error: unknown): boolean {
  if (!(error instanceof Error) || !error.name.startsWith('PrismaClient')) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && DATABASE_BUSY.has(code);
}

/** Turns anything thrown into the error shape of docs/api.md; shared by the HTTP filter and the socket.io acks. */
export function renderError(error: unknown): RenderedError {
  if (isDatabaseBusy(error))
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: {
        error: {
          code: ErrorCode.UNAVAILABLE,
          message: 'The service is busy; try again in a moment.',
          details: { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
        },
      },
    };
  if (error instanceof DomainError) {
    const status = HTTP_STATUS_BY_CODE[error.code];
    return { status, body: { error: withDetails(error.code, error.message, error.details) } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_HTTP_STATUS[status];
    if (code) return simple(status, code, messageOf(error));
  }
  const errorId = randomUUID();
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    errorId,
    body: {
      error: {
        code: ErrorCode.INTERNAL,
        message: `Something went wrong on our side (error id ${errorId}).`,
        errorId,
      },
    },
  };
}

function simple(status: number, code: ErrorCode, message: string): RenderedError {
  return { status, body: { error: { code, message } } };
}

function withDetails(code: string, message: string, details: unknown): ErrorBody['error'] {
  return details === undefined ? { code, message } : { code, message, details };
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return error.message;
}
