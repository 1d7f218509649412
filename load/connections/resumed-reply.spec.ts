import { ReplyAssembler } from './reply-assembler';
import { ResumedReply } from './resumed-reply';

describe('a reply put back together after a reconnect', () => {
  it('drops a token that arrives both live and in the resume, and joins the rest in seq order', () => {
    const reply = new ReplyAssembler();
    reply.add(0, 'Hel');
    reply.add(2, ' wor');
    expect(reply.add(2, ' wor')).toBe('duplicate');
    reply.add(1, 'lo');
    expect(reply.text()).toBe('Hello wor');
    expect(reply.duplicates).toBe(1);
    expect(reply.gaps()).toEqual([]);
  });

  it('names the missing seqs and resumes after the last contiguous one', () => {
    const reply = new ReplyAssembler();
    [0, 1, 4].forEach((seq) => reply.add(seq, 'x'));
    expect(reply.gaps()).toEqual([2, 3]);
    expect(reply.lastContiguousSeq()).toBe(1);
    expect(new ReplyAssembler().lastContiguousSeq()).toBe(-1);
  });

  it('is whole when the live tokens and the missed ones make exactly the done content', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.joined({ ok: true, status: 'streaming', missed: [{ seq: 1, delta: 'long ' }] });
    reply.token(1, 'long ');
    reply.token(2, 'story.');
    reply.done('A long story.');
    expect(reply.outcome).toBe('whole: resumed live');
    expect(reply.missedTokens).toBe(1);
    expect(reply.tokens.duplicates).toBe(1);
  });

  it('is a seq gap when a token never came, live or resumed', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.joined({ ok: true, status: 'streaming', missed: [] });
    reply.token(2, 'story.');
    reply.done('A long story.');
    expect(reply.outcome).toBe('seq gap');
    expect(reply.detail).toContain('1');
  });

  it('is not whole when the tokens join into other text than the content', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.token(1, 'short ');
    reply.done('A long story.');
    expect(reply.outcome).toBe('text differs from content');
  });

  it('a reply that ended while away is whole when what was held starts its content', () => {
    const ended = new ResumedReply('c1');
    ended.token(0, 'A ');
    ended.joined({ ok: true, status: 'complete', content: 'A long story.' });
    expect(ended.outcome).toBe('whole: ended while away, content from join');

    const wrong = new ResumedReply('c2');
    wrong.token(0, 'B ');
    wrong.joined({ ok: true, status: 'complete', content: 'A long story.' });
    expect(wrong.outcome).toBe('text differs from content');
  });

  it('keeps its first outcome: a refused join is not overwritten by a later done', () => {
    const reply = new ResumedReply('c1');
    reply.joined({ ok: false, error: { code: 'RATE_LIMITED' } });
    reply.done('anything');
    expect(reply.outcome).toBe('join refused');
    expect(reply.detail).toBe('RATE_LIMITED');
  });
});

describe('a reply whose done beats the resume', () => {
  it('waits for the join ack before judging: the missed tokens complete the text', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.joining();
    // The room was joined first: done arrives live, then the ack with seq 1 and 2.
    reply.done('A long story.');
    expect(reply.outcome).toBeUndefined();
    reply.joined({
      ok: true,
      status: 'streaming',
      missed: [
        { seq: 1, delta: 'long ' },
        { seq: 2, delta: 'story.' },
      ],
    });
    expect(reply.outcome).toBe('whole: resumed live');
  });

  it('says where the text and the content part ways', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.token(1, 'short ');
    reply.done('A long story.');
    expect(reply.detail).toContain('from character 2');
  });

  it('counts a duplicate whose text differs from the first copy', () => {
    const reply = new ResumedReply('c1');
    reply.token(0, 'A ');
    reply.joined({ ok: true, status: 'streaming', missed: [{ seq: 0, delta: 'B ' }] });
    expect(reply.tokens.conflicts).toBe(1);
  });
});
