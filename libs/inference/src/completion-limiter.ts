import { FinishReason, maxCompletionChars } from './model-provider';

export interface CompletionLimits {
  maxTokens?: number;
  stop?: readonly string[];
}

/**
 * Applies max_tokens and stop sequences to a stream of text pieces, whatever the model did with them, so a model
 * that ignores them (or an upstream that misbehaves) cannot deliver more. A tail that could be the start of a stop
 * sequence is held back until the next piece decides it, so no part of a stop sequence is ever delivered.
 */
export class CompletionLimiter {
  /** Set once the limits ended the reply; nothing is delivered after that. */
  reason: FinishReason | undefined;
  private readonly maxChars: number;
  private readonly stops: readonly string[];
  private delivered = 0;
  private held = '';

  constructor(limits: CompletionLimits = {}) {
    this.maxChars = limits.maxTokens === undefined ? Infinity : maxCompletionChars(limits.maxTokens);
    this.stops = (limits.stop ?? []).filter((stop) => stop !== '');
  }

  get finished(): boolean {
    return this.reason !== undefined;
  }

  /** The part of `delta` (and of what was held back) that may be delivered now. */
  push(delta: string): string {
    if (this.finished) return '';
    const pending = this.held + delta;
    const at = firstStop(pending, this.stops);
    if (at !== undefined) {
      this.held = '';
      return this.deliver(pending.slice(0, at), 'stop');
    }
    const keep = possibleStopStart(pending, this.stops);
    this.held = pending.slice(pending.length - keep);
    return this.deliver(pending.slice(0, pending.length - keep));
  }

  /** The model ended: a held-back tail that never became a stop sequence is delivered after all. */
  end(): string {
    if (this.finished) return '';
    const rest = this.held;
    this.held = '';
    return this.deliver(rest);
  }

  private deliver(text: string, reasonIfWhole?: FinishReason): string {
    const room = this.maxChars - this.delivered;
    if (text.length > room) {
      const cut = truncate(text, room);
      this.delivered += cut.length;
      this.reason = 'length';
      return cut;
    }
    this.delivered += text.length;
    if (reasonIfWhole) this.reason = reasonIfWhole;
    return text;
  }
}

function firstStop(text: string, stops: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** Length of the longest tail of `text` that some stop sequence begins with (a stop can only start there). */
function possibleStopStart(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops)
    for (let length = Math.min(stop.length - 1, text.length); length > longest; length -= 1)
      if (text.endsWith(stop.slice(0, length))) {
        longest = length;
        break;
      }
  return longest;
}

/** At most `length` UTF-16 units, never splitting a surrogate pair: the stored reply must stay valid text. */
export function truncate(text: string, length: number): string {
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
