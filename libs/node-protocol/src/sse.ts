import type { FinishReason } from '@app/inference/model-provider';
import { ProtocolError, type NodeErrorEvent, type ReceiptEvent } from './protocol.types';

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export interface ChunkMeta {
  id: string;
  created: number;
  model: string;
}

/** OpenAI's chat.completion.chunk; the first names the role. */
export function chunkEvent(meta: ChunkMeta, content: string, first: boolean): string {
  const delta = first ? { role: 'assistant', content } : { content };
  return sseEvent({
    ...meta,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: null }],
  });
}

export function receiptEvent(event: Omit<ReceiptEvent, 'object'>): string {
  return sseEvent({ object: 'twinproof.receipt', ...event } satisfies ReceiptEvent);
}

export function errorEvent(code: string, message: string): string {
  return sseEvent({ error: { code, message } } satisfies NodeErrorEvent);
}

export type NodeEvent =
  | { kind: 'delta'; content: string }
  | { kind: 'receipt'; event: ReceiptEvent }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'done' };

const FINISH_REASONS = new Set<FinishReason>(['stop', 'length']);

function isReceiptEvent(value: Record<string, unknown>): value is Record<string, unknown> & ReceiptEvent {
  const receipt = value.receipt;
  return (
    value.object === 'twinproof.receipt' &&
    FINISH_REASONS.has(value.finish_reason as FinishReason) &&
    typeof receipt === 'object' &&
    receipt !== null &&
    typeof value.digest === 'string' &&
    typeof value.signature === 'string' &&
    typeof value.salt === 'string'
  );
}

function toEvent(data: string): NodeEvent | undefined {
  if (data === '[DONE]') return { kind: 'done' };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new ProtocolError('The node sent an event that is not JSON.');
  }
  if (typeof value !== 'object' || value === null)
    throw new ProtocolError('The node sent an event that is not an object.');
  const fields = value as Record<string, unknown>;
  if (fields.object === 'twinproof.receipt') {
    if (!isReceiptEvent(fields)) throw new ProtocolError('The node sent a malformed receipt event.');
    return { kind: 'receipt', event: fields };
  }
  if (typeof fields.error === 'object' && fields.error !== null) {
    const { code, message } = fields.error as Record<string, unknown>;
    return {
      kind: 'error',
      code: typeof code === 'string' ? code : 'MODEL_FAILED',
      message: typeof message === 'string' ? message : 'The node failed.',
    };
  }
  if (fields.object === 'chat.completion.chunk') {
    const choices = fields.choices as { delta?: { content?: unknown } }[] | undefined;
    const content = Array.isArray(choices) ? choices[0]?.delta?.content : undefined;
    return typeof content === 'string' && content !== '' ? { kind: 'delta', content } : undefined;
  }
  return undefined;
}

/** The largest event a node may send; a bigger one is a protocol error (a node must not grow the api's memory). */
export const NODE_EVENT_MAX_CHARS = 1 << 20;

const SEPARATOR = /\r?\n\r?\n/;
// A separator is at most 4 characters, so one that straddles two reads starts within the last 3 of the first.
const SEPARATOR_OVERLAP = 3;

function tooBig(): ProtocolError {
  return new ProtocolError(`The node sent an event over ${NODE_EVENT_MAX_CHARS} characters.`);
}

function* toEvents(blocks: readonly string[]): Generator<NodeEvent> {
  for (const block of blocks) {
    if (block.length > NODE_EVENT_MAX_CHARS) throw tooBig();
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length === 0) continue;
    const event = toEvent(data.join('\n'));
    if (event) yield event;
  }
}

/** Server-sent events from a node, in order; comments and events of unknown kinds are skipped. */
export async function* parseNodeEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<NodeEvent> {
  const decoder = new TextDecoder();
  // The event still open, in the pieces it arrived in: each read is scanned once, so cost stays linear.
  let pending: string[] = [];
  let pendingChars = 0;
  let tail = '';
  const take = (text: string): string[] => {
    const window = tail + text;
    const found = SEPARATOR.exec(window);
    if (!found) {
      pending.push(text);
      pendingChars += text.length;
      tail = window.slice(-SEPARATOR_OVERLAP);
      if (pendingChars > NODE_EVENT_MAX_CHARS) throw tooBig();
      return [];
    }
    const all = pending.join('') + text;
    const start = pendingChars - tail.length;
    const blocks = [all.slice(0, start + found.index)];
    const rest = all.slice(start + found.index + found[0].length).split(SEPARATOR);
    const open = rest.pop() ?? '';
    blocks.push(...rest);
    pending = [open];
    pendingChars = open.length;
    tail = open.slice(-SEPARATOR_OVERLAP);
    if (pendingChars > NODE_EVENT_MAX_CHARS) throw tooBig();
    return blocks;
  };
  for await (const bytes of body) yield* toEvents(take(decoder.decode(bytes, { stream: true })));
  const last = take(decoder.decode());
  yield* toEvents([...last, pending.join('')]);
}
