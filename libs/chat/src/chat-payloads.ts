import { ValidationError } from '@app/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function object(payload: unknown): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new ValidationError('The payload must be an object.');
  return payload as Record<string, unknown>;
}

function uuid(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !UUID.test(value)) throw new ValidationError(`${field} must be a UUID.`);
  return value;
}

/** Far above any reply's token count (replies are capped at a few hundred tokens), far below unsafe integers. */
export const MAX_SEQ = 1_000_000;

/** A whole number in range: 1e20 or 1.5 is refused here, never passed on to Redis or Postgres. */
function integer(
  body: Record<string, unknown>,
  field: string,
  range: { min: number; max: number; absent: number },
): number {
  const value = body[field] ?? range.absent;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < range.min || value > range.max)
    throw new ValidationError(`${field} must be an integer from ${range.min} to ${range.max}.`);
  return value;
}

/** Socket payloads are validated at the edge like HTTP bodies: each bad field is named. */
export function parseSend(payload: unknown): {
  conversationId: string;
  content: string;
  clientMessageId: string;
} {
  const body = object(payload);
  const { content, clientMessageId } = body;
  if (typeof content !== 'string') throw new ValidationError('content must be a string.');
  if (content.includes('\u0000') || !content.isWellFormed())
    throw new ValidationError('content contains characters that cannot be stored.');
  if (typeof clientMessageId !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(clientMessageId)) {
    throw new ValidationError(
      'clientMessageId must be 1–100 letters, digits or _ . : -, unique per message.',
    );
  }
  return { conversationId: uuid(body, 'conversationId'), content, clientMessageId };
}

export function parseJoin(payload: unknown): {
  conversationId: string;
  messageId?: string;
  afterSeq: number;
} {
  const body = object(payload);
  return {
    conversationId: uuid(body, 'conversationId'),
    messageId: body.messageId === undefined ? undefined : uuid(body, 'messageId'),
    afterSeq: integer(body, 'afterSeq', { min: -1, max: MAX_SEQ, absent: -1 }),
  };
}

export function parseCancel(payload: unknown): { messageId: string } {
  return { messageId: uuid(object(payload), 'messageId') };
}
