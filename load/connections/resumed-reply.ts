import { ReplyAssembler } from './reply-assembler';

/** conversation:join's ack (docs/realtime.md); only the fields read here. */
export type JoinAck =
  | {
      ok: true;
      messageId?: string;
      status?: string;
      content?: string;
      missed?: { seq: number; delta: string }[];
    }
  | { ok: false; error?: { code?: string; message?: string } };

/**
 * How one reply that was streaming when its connection dropped came out: `whole` when its tokens run 0..n-1 without
 * a gap and join into exactly message:done's content (or, when it ended while the client was away, the text held is
 * the start of the content the join returned).
 */
export type ResumeOutcome =
  | 'whole: resumed live'
  | 'whole: ended while away, content from join'
  | 'seq gap'
  | 'text differs from content'
  | 'message:error'
  | 'join refused'
  | 'not reconnected'
  | 'not finished in time'
  /** Not part of the storm: refused at send, or over before the connections dropped. */
  | 'send refused'
  | 'ended before the drop';

/** One reply followed across the drop: tokens live and from the resume's ack, then its end. */
export class ResumedReply {
  readonly tokens = new ReplyAssembler();
  outcome?: ResumeOutcome;
  detail?: string;
  /** Tokens the resume's ack returned (missed while away). */
  missedTokens = 0;
  private awaitingJoin = false;
  private doneWhileJoining?: string;

  constructor(readonly conversationId: string) {}

  messageId?: string;

  token(seq: number, delta: string): void {
    this.tokens.add(seq, delta);
  }

  /**
   * A conversation:join is on its way. The server joins the room before it reads the replay buffer, so
   * message:done may arrive live before the ack that carries the missed tokens: it is judged once the ack is in.
   */
  joining(): void {
    this.awaitingJoin = true;
  }

  /** The join's ack after reconnecting: missed tokens while streaming, or the whole content once it ended. */
  joined(ack: JoinAck): void {
    this.awaitingJoin = false;
    const doneWhileJoining = this.doneWhileJoining;
    this.doneWhileJoining = undefined;
    if (this.outcome) return;
    if (!ack.ok) return this.end('join refused', ack.error?.code);
    for (const { seq, delta } of ack.missed ?? []) {
      this.missedTokens += 1;
      this.tokens.add(seq, delta);
    }
    if (doneWhileJoining !== undefined) return this.done(doneWhileJoining);
    if (ack.status === undefined || ack.status === 'streaming') return;
    if (ack.status === 'failed') return this.end('message:error', `status ${ack.status}`);
    const content = ack.content ?? '';
    const gaps = this.tokens.gaps();
    if (gaps.length > 0) return this.end('seq gap', `missing seq ${gaps.slice(0, 5).join(', ')}`);
    const text = this.tokens.text();
    if (content.startsWith(text)) this.end('whole: ended while away, content from join');
    else this.end('text differs from content', differs(text, content));
  }

  done(content: string): void {
    if (this.outcome) return;
    if (this.awaitingJoin) {
      this.doneWhileJoining = content;
      return;
    }
    const gaps = this.tokens.gaps();
    if (gaps.length > 0) return this.end('seq gap', `missing seq ${gaps.slice(0, 5).join(', ')}`);
    const text = this.tokens.text();
    if (text === content) this.end('whole: resumed live');
    else this.end('text differs from content', differs(text, content));
  }

  error(code: string | undefined): void {
    this.end('message:error', code);
  }

  end(outcome: ResumeOutcome, detail?: string): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.detail = detail;
  }
}

/** Where the text put together from the tokens first differs from the reply's content, for the report. */
export function differs(text: string, content: string): string {
  let at = 0;
  while (at < text.length && text[at] === content[at]) at++;
  return (
    `tokens give ${text.length} characters, the content has ${content.length}; they differ from character ${at}: ` +
    `${JSON.stringify(text.slice(at, at + 20))} vs ${JSON.stringify(content.slice(at, at + 20))}`
  );
}
