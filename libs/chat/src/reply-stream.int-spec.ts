import { INestApplicationContext } from '@nestjs/common';
import type { ModelStream } from '@app/inference';
import type { TokenEvent } from '@app/realtime';
import { createContext } from '@app/testing';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChatEmitter } from './chat.emitter';
import { ReplayBuffer } from './replay-buffer';
import { ModelStalledError, ReplyStream } from './reply-stream';

/** A model stream of the given deltas; with `stallAfter`, it goes silent after that many, until aborted. */
function modelStream(deltas: string[], signal: AbortSignal, stallAfter?: number): ModelStream {
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
        await sleep(1);
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
