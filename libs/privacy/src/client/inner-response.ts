import { type BhttpResponseEvent, BhttpResponseStreamDecoder, OhttpError } from '@app/privacy/ohttp';
import { PrivateChatError } from './private-chat.errors';

export interface StreamedResponse {
  status: number;
  headers: Headers;
  /** The content as it is opened: each piece as soon as its chunk arrives. */
  body: AsyncIterable<Uint8Array>;
}

/**
 * The inner response of a chunked exchange (indeterminate-length Binary HTTP, RFC 9292 §3.2), decoded while it
 * streams: resolves at its head, then yields content pieces. Ends only at the message's own end, so a response cut
 * inside the sealed stream's final chunk is an error, never a shorter reply.
 */
export async function readStreamedResponse(chunks: AsyncIterable<Uint8Array>): Promise<StreamedResponse> {
  const source = chunks[Symbol.asyncIterator]();
  const decoder = new BhttpResponseStreamDecoder();
  const queued: BhttpResponseEvent[] = [];
  let finished = false;

  // Pulls one more plaintext chunk into the queue; false once the sealed stream is over.
  const pull = async (): Promise<boolean> => {
    if (finished) return false;
    const next = await source.next();
    try {
      if (next.done) {
        finished = true;
        queued.push(...decoder.end());
        return false;
      }
      queued.push(...decoder.push(next.value));
      return true;
    } catch (error) {
      throw decodeError(error);
    }
  };

  let head: Extract<BhttpResponseEvent, { type: 'head' }> | undefined;
  while (!head) {
    const event = queued.shift();
    if (event?.type === 'head') head = event;
    else if (event)
      throw new PrivateChatError(
        'RESPONSE_INVALID',
        'The inner response has content before its head.',
        'gateway',
      );
    else if (!(await pull()) && queued.length === 0)
      throw new PrivateChatError('RESPONSE_INVALID', 'The inner response ended before its head.', 'gateway');
  }

  async function* body(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const event = queued.shift();
        if (event?.type === 'content') yield event.bytes;
        else if (event?.type === 'end') return;
        else if (event?.type === 'head')
          throw new PrivateChatError('RESPONSE_INVALID', 'The inner response has a second head.', 'gateway');
        else if (!(await pull()) && queued.length === 0) return;
      }
    } finally {
      // The caller stopped early (an error event, a break): release the relay's connection.
      await source.return?.();
    }
  }

  return { status: head.status, headers: head.headers, body: body() };
}

function decodeError(error: unknown): unknown {
  if (!(error instanceof OhttpError)) return error;
  return new PrivateChatError(
    'RESPONSE_INVALID',
    error.code === 'TRUNCATED'
      ? 'The inner response ended before its end: nothing of it is trusted.'
      : `The inner response is not valid Binary HTTP (${error.message}).`,
    'gateway',
  );
}
