/**
 * Server-sent events as the api streams completions, from bytes cut anywhere (OHTTP chunks, TCP reads): a UTF-8
 * character or a line may arrive in pieces, so bytes are decoded in streaming mode and lines kept until complete.
 * Returns the `data` of each completed event (multi-line data joined with \n, per the SSE spec).
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private buffer = '';
  private data: string[] = [];

  push(bytes: Uint8Array): string[] {
    return this.lines(this.decoder.decode(bytes, { stream: true }));
  }

  /** The end of the stream. An event not closed by a blank line is dropped, as the SSE spec says: it may be cut. */
  end(): void {
    this.decoder.decode();
    this.buffer = '';
    this.data = [];
  }

  private lines(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone \r at the very end may be the first half of \r\n: wait for the next piece.
      if (this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        if (this.data.length) events.push(this.data.join('\n'));
        this.data = [];
      } else if (line === 'data' || line.startsWith('data:')) {
        const value = line.slice(5);
        this.data.push(value.startsWith(' ') ? value.slice(1) : value);
      }
      // Comments (":…"), event:, id: and retry: carry nothing the completions stream uses.
    }
    return events;
  }
}

export type ChatStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'final'; inferenceId: string; conversationId: string; text: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'end' };

/** One `data:` payload of `POST /v1/chat/completions` with `stream: true` (docs/api.md, OpenAI-compatible). */
export function parseChatData(data: string): ChatStreamEvent {
  if (data.trim() === '[DONE]') return { type: 'end' };
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return {
      type: 'error',
      code: 'RESPONSE_INVALID',
      message: `the stream sent an event that is not JSON: ${data.slice(0, 80)}`,
    };
  }
  if (typeof body !== 'object' || body === null)
    return {
      type: 'error',
      code: 'RESPONSE_INVALID',
      message: 'the stream sent an event that is not an object',
    };
  const record = body as {
    error?: { code?: unknown; message?: unknown };
    choices?: { delta?: { content?: unknown } }[];
    inference_id?: unknown;
    conversation_id?: unknown;
  };
  if (record.error)
    return {
      type: 'error',
      code: typeof record.error.code === 'string' ? record.error.code : 'UNKNOWN',
      message: typeof record.error.message === 'string' ? record.error.message : 'the reply failed',
    };
  const content = record.choices?.[0]?.delta?.content;
  const text = typeof content === 'string' ? content : '';
  if (typeof record.inference_id === 'string' && typeof record.conversation_id === 'string')
    return { type: 'final', inferenceId: record.inference_id, conversationId: record.conversation_id, text };
  return { type: 'delta', text };
}
