import { INestApplicationContext } from '@nestjs/common';
import type { ModelStream } from '@app/inference';
import type { TokenEvent } from '@app/realtime';
import { createContext } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChatEmitter } from './chat.emitter';
import { ReplayBuffer } from './replay-buffer';
import { ModelStalledError, ReplyStream } from './reply-stream';

/**
 * A model stream of the given deltas, 1 ms apart (`burst`: all at once, as a fast model or one network read of several
 * tokens gives them); with `stallAfter`, it goes silent after that many, until aborted.
 */
function modelStream(deltas: string[], signal: AbortSignal, stallAfter?: number, burst = false): ModelStream {
  return {
    finishReason: 'stop',
    async *[Symbol.asyncIterator]() {
      for (const [i, delta] of deltas.entries()) {
        if (i === stallAfter)
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            ),
          );
        if (!burst) await sleep(1);
        yield delta;
      }
    },
  };
}

describe('ReplyStream (real Redis)', () => {
  let context: INestApplicationContext;
  let stream: ReplyStream;
  let replay: ReplayBuffer;

  beforeAll(async () => {
    context = await createContext([], [ReplyStream, ReplayBuffer, ChatEmitter], {
      MODEL_IDLE_TIMEOUT_MS: '200',
    });
    stream = context.get(ReplyStream);
    replay = context.get(ReplayBuffer);
  });
  afterAll(() => context.close());

  it('delivers every delta in order with gap-free seq, and leaves all of them in the replay buffer', async () => {
    const messageId = randomUUID();
    const tokens: TokenEvent[] = [];
    const deltas = Array.from({ length: 50 }, (_, i) => `t${i} `);
    const controller = new AbortController();
    const listener = {
      token: (event: TokenEvent) => tokens.push(event),
      done: () => undefined,
      error: () => undefined,
    };
    const result = await stream.deliver(
      { conversationId: randomUUID(), messageId, listener },
      modelStream(deltas, controller.signal),
      controller,
      Date.now(),
    );
    expect(result).toMatchObject({ ok: true, text: deltas.join('') });
    expect(tokens.map((t) => t.seq)).toEqual(deltas.map((_, i) => i));
    expect(await replay.after(messageId, -1)).toEqual(deltas);
    expect(await replay.after(messageId, 39)).toEqual(deltas.slice(40));
  });

  it('sends deltas that arrive together as one event, so a fast model costs one socket write, not one per token', async () => {
    const messageId = randomUUID();
    const tokens: TokenEvent[] = [];
    const listener = {
      token: (event: TokenEvent) => tokens.push(event),
      done: () => undefined,
      error: () => undefined,
    };
    const controller = new AbortController();
    const first = Array.from({ length: 20 }, (_, i) => `a${i} `);
    const burst = modelStream(first, controller.signal, undefined, true);
    // Twenty tokens at once, then (after a pause) three more at once: two events, seq 0 and 1, and the replay
    // buffer holds the same two entries, so a client resuming after seq 0 gets exactly the second.
    const stream2: ModelStream = {
      finishReason: 'stop',
      async *[Symbol.asyncIterator]() {
        yield* burst;
        await sleep(5);
        yield* modelStream(['b0 ', 'b1 ', 'b2'], controller.signal, undefined, true);
      },
    };
    const result = await stream.deliver(
      { conversationId: randomUUID(), messageId, listener },
      stream2,
      controller,
      Date.now(),
    );
    expect(result).toMatchObject({ ok: true, text: `${first.join('')}b0 b1 b2` });
    expect(tokens.map(({ seq, delta }) => ({ seq, delta }))).toEqual([
      { seq: 0, delta: first.join('') },
      { seq: 1, delta: 'b0 b1 b2' },
    ]);
    expect(await replay.after(messageId, 0)).toEqual(['b0 b1 b2']);
  });

  it('sends what it holds before a failure: the partial text recorded is the text delivered', async () => {
    const tokens: TokenEvent[] = [];
    const listener = {
      token: (event: TokenEvent) => tokens.push(event),
      done: () => undefined,
      error: () => undefined,
    };
    const controller = new AbortController();
    const failing: ModelStream = {
      finishReason: 'stop',
      async *[Symbol.asyncIterator]() {
        yield 'said ';
        yield 'this';
        throw new Error('node died');
      },
    };
    const result = await stream.deliver(
      { conversationId: randomUUID(), messageId: randomUUID(), listener },
      failing,
      controller,
      Date.now(),
    );
    expect(result).toMatchObject({ ok: false, text: 'said this' });
    expect(tokens.map((t) => t.delta).join('')).toBe('said this');
  });

  it('fails a model that goes silent with ModelStalledError, aborting it and keeping what it said', async () => {
    const controller = new AbortController();
    const result = await stream.deliver(
      { conversationId: randomUUID(), messageId: randomUUID() },
      modelStream(['Hello', ' there', ' never'], controller.signal, 2),
      controller,
      Date.now(),
    );
    expect(controller.signal.aborted).toBe(true);
    expect(result).toMatchObject({ ok: false, text: 'Hello there' });
    expect(!result.ok && result.error).toBeInstanceOf(ModelStalledError);
  });

  it('passes a cancel through as the abort it is, not as a stall', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await stream.deliver(
      { conversationId: randomUUID(), messageId: randomUUID() },
      modelStream(['a', 'b'], controller.signal, 1),
      controller,
      Date.now(),
    );
    expect(result).toMatchObject({ ok: false, text: 'a' });
    expect(!result.ok && result.error).toMatchObject({ name: 'AbortError' });
  });
});
