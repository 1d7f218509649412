import { Test } from '@nestjs/testing';
import type { TakeoverEvent } from '../inference-node';
import { DomainError, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { ModelError } from '@app/inference';
import { MAX_CONTINUATION_BYTES } from '@app/node-protocol';
import type { NodeInferenceRequest, NodeReceipt, NodeStream } from '../inference-node';
import { NodeDirectory } from './node-directory';
import { NodeRouter } from './node-router';
import type { NodeTarget } from './node-target';

type Script = { tokens: string[]; failAt?: number; error?: Error; stallAt?: number; tokenDelayMs?: number };

/** A node that streams its script: tokens, then optionally a failure or a stall at a given token index. */
class FakeNode implements NodeTarget {
  readonly inProcess: boolean;
  readonly operatorId: string | null = null;
  readonly teeKind = 'dev';
  readonly address = '0x0000000000000000000000000000000000000001';
  calls = 0;
  /** What each call was asked, in order (a takeover's continuation included). */
  readonly requests: NodeInferenceRequest[] = [];
  private scripts: Script[] = [];

  constructor(
    readonly key: string,
    script: Script,
    options: { inProcess?: boolean } = {},
  ) {
    this.scripts.push(script);
    this.inProcess = options.inProcess ?? false;
  }

  andThen(script: Script): this {
    this.scripts.push(script);
    return this;
  }

  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    const script = this.scripts[Math.min(this.calls, this.scripts.length - 1)];
    this.calls += 1;
    this.requests.push(request);
    const key = this.key;
    async function* generate(): AsyncGenerator<string> {
      for (let i = 0; ; i += 1) {
        if (i === script.failAt) throw script.error ?? new ModelError(`${key} failed`, true, 503);
        if (i === script.stallAt) {
          await new Promise<void>((_, reject) =>
            signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
          );
        }
        if (i >= script.tokens.length) return;
        // Like a real node's socket: the router's abort ends the wait.
        if (script.tokenDelayMs) await abortableDelay(script.tokenDelayMs, signal);
        yield script.tokens[i];
      }
    }
    const iterable = generate();
    return {
      nodeId: key,
      nodeAddress: `0x${key}`,
      inProcess: this.inProcess,
      finishReason: 'stop',
      receipt: () => Promise.resolve({ nodeId: key } as NodeReceipt),
      [Symbol.asyncIterator]: () => iterable,
    };
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = (): void => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

class FakeDirectory {
  targets: NodeTarget[] = [];
  async candidates(): Promise<NodeTarget[]> {
    return this.targets;
  }
}

const request: NodeInferenceRequest = {
  model: { modelId: 'embedded', messages: [{ role: 'user', content: 'hi' }] },
  receipt: { inferenceId: 'i-1', conversationId: 'c-1', previousDigest: '0x00', personaVersionHash: '0x01' },
};

async function collect(stream: NodeStream): Promise<string> {
  let text = '';
  for await (const delta of stream) text += delta;
  return text;
}

describe('NodeRouter', () => {
  let router: NodeRouter;
  let directory: FakeDirectory;

  beforeEach(async () => {
    directory = new FakeDirectory();
    const moduleRef = await Test.createTestingModule({
      providers: [
        NodeRouter,
        { provide: NodeDirectory, useValue: directory },
        {
          provide: AppConfig,
          // 50 ms of credit a token: a node sending one every 90 ms (inside the stall timeout) is too slow.
          useValue: AppConfig.fromProcessEnv({
            NODE_ITL_TIMEOUT_MS: '100',
            NODE_MAX_ATTEMPTS: '3',
            NODE_MIN_TOKENS_PER_S: '20',
          }),
        },
      ],
    }).compile();
    moduleRef.useLogger(false);
    router = moduleRef.get(NodeRouter);
  });

  const stream = (signal = new AbortController().signal) => router.stream(request, signal);

  it('streams the reply from the chosen node and says which node answered', async () => {
    directory.targets = [new FakeNode('a', { tokens: ['Hel', 'lo'] })];
    const reply = stream();
    expect(await collect(reply)).toBe('Hello');
    expect(reply.nodeId).toBe('a');
    expect(reply.nodeAddress).toBe('0xa');
    expect((await reply.receipt()).nodeId).toBe('a');
  });

  it('sends the next reply to the node with fewer streams open', async () => {
    const a = new FakeNode('a', { tokens: ['a1', 'a2'], tokenDelayMs: 20 });
    const b = new FakeNode('b', { tokens: ['b1'] });
    directory.targets = [a, b];
    const first = stream()[Symbol.asyncIterator]();
    expect((await first.next()).value).toBe('a1');
    expect(await collect(stream())).toBe('b1');
    expect(b.calls).toBe(1);
    while (!(await first.next()).done);
  });

  it('between idle nodes, prefers the one with the lower recent time to first token', async () => {
    const slow = new FakeNode('slow', { tokens: ['s'], tokenDelayMs: 40 });
    const fast = new FakeNode('fast', { tokens: ['f'] });
    directory.targets = [slow, fast];
    await collect(stream()); // both unmeasured: the first listed, slow, answers and is measured
    await collect(stream()); // fast is still unmeasured (0 ms), so it is preferred now and measured
    slow.calls = 0;
    fast.calls = 0;
    for (let i = 0; i < 3; i += 1) await collect(stream());
    expect(fast.calls).toBe(3);
    expect(slow.calls).toBe(0);
  });

  it('tries another node when the chosen one fails before its first token, invisibly to the reader', async () => {
    const broken = new FakeNode('broken', { tokens: ['never'], failAt: 0 });
    const healthy = new FakeNode('healthy', { tokens: ['ok'] });
    directory.targets = [broken, healthy];
    const reply = stream();
    expect(await collect(reply)).toBe('ok');
    expect(reply.nodeId).toBe('healthy');
    expect(broken.calls).toBe(1);
  });

  it('ranks a node that failed before its first token behind the nodes that answered', async () => {
    const flaky = new FakeNode('flaky', { tokens: [], failAt: 0 }).andThen({ tokens: ['flaky'] });
    const steady = new FakeNode('steady', { tokens: ['steady'], tokenDelayMs: 30 });
    directory.targets = [flaky, steady];
    expect(await collect(stream())).toBe('steady');
    expect(await collect(stream())).toBe('steady');
    expect(flaky.calls).toBe(1);
  });

  it('counts a node that sends no first token within NODE_ITL_TIMEOUT_MS as failed and tries the next', async () => {
    const stalled = new FakeNode('stalled', { tokens: ['late'], stallAt: 0 });
    const healthy = new FakeNode('healthy', { tokens: ['ok'] });
    directory.targets = [stalled, healthy];
    const started = Date.now();
    expect(await collect(stream())).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  /** A reply that records its takeover events and the pieces it got, failing or not. */
  async function read(
    reply: (request: NodeInferenceRequest) => NodeStream,
  ): Promise<{ stream: NodeStream; seen: string[]; takeovers: TakeoverEvent[]; error?: unknown }> {
    const takeovers: TakeoverEvent[] = [];
    const seen: string[] = [];
    const stream = reply({ ...request, onTakeover: (event) => takeovers.push(event) });
    try {
      for await (const delta of stream) seen.push(delta);
      return { stream, seen, takeovers };
    } catch (error) {
      return { stream, seen, takeovers, error };
    }
  }
  const routed =
    (signal = new AbortController().signal) =>
    (r: NodeInferenceRequest) =>
      router.stream(r, signal);

  it('has another node take over a reply whose node fails after its first token, continuing the delivered text', async () => {
    // Multi-byte text: the event counts UTF-8 bytes (13), not UTF-16 units (9).
    const a = new FakeNode('a', { tokens: ['Grüße ', '🌍 ', 'never'], failAt: 2 });
    const b = new FakeNode('b', { tokens: ['and ', 'the rest'] });
    directory.targets = [a, b];
    const { stream: reply, seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    expect(seen).toEqual(['Grüße ', '🌍 ', 'and ', 'the rest']);
    expect(takeovers).toEqual([{ fromNodeId: 'a', prefixBytes: 13 }]);
    expect(b.requests[0]).toMatchObject({
      model: { ...request.model, continuation: 'Grüße 🌍 ' },
      continuation: { prefix: 'Grüße 🌍 ', prefixNode: '0xa' },
      receipt: request.receipt,
    });
    expect(a.requests[0].continuation).toBeUndefined();
    // The finishing node answers for the reply; the takeover says who streamed its start.
    expect(reply.nodeId).toBe('b');
    expect(reply.nodeAddress).toBe('0xb');
    expect((await reply.receipt()).nodeId).toBe('b');
    expect(reply.takeover).toEqual({ prefixNodeId: 'a', prefixNode: '0xa', prefixBytes: 13 });
    // Each attempt was accounted for once: a's failure counts against it, both streams are closed.
    expect(router.load.outstanding('a')).toBe(0);
    expect(router.load.outstanding('b')).toBe(0);
    for (let i = 0; i < 2; i += 1) router.breaker.failed('a');
    expect(router.breaker.state('a')).toBe('open'); // 2 more failures open it: the takeover's counted as the first
    expect(router.breaker.state('b')).toBe('closed');
  });

  it('takes over a node that stalls after its first token (nothing for NODE_ITL_TIMEOUT_MS)', async () => {
    const a = new FakeNode('a', { tokens: ['one ', 'two'], stallAt: 1 });
    const b = new FakeNode('b', { tokens: ['two'] });
    directory.targets = [a, b];
    const started = Date.now();
    const { stream: reply, seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(seen.join('')).toBe('one two');
    expect(takeovers).toEqual([{ fromNodeId: 'a', prefixBytes: 4 }]);
    expect(b.requests[0].continuation).toEqual({ prefix: 'one ', prefixNode: '0xa' });
    expect(reply.nodeId).toBe('b');
  });

  it('takes over a node that trickles tokens just inside NODE_ITL_TIMEOUT_MS, below NODE_MIN_TOKENS_PER_S', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `w${i} `);
    const a = new FakeNode('a', { tokens: words, tokenDelayMs: 90 });
    const b = new FakeNode('b', { tokens: ['rest'] });
    directory.targets = [a, b];
    const started = Date.now();
    const { stream: reply, seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    // First token at 90 ms (credit 100), the second at 180 (credit 100 - 90 + 50 = 60), then cut 60 ms later.
    expect(seen).toEqual(['w0 ', 'w1 ', 'rest']);
    expect(takeovers).toEqual([{ fromNodeId: 'a', prefixBytes: 6 }]);
    expect(reply.nodeId).toBe('b');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives no credit for empty pieces: a node streaming nothing quickly is taken over too', async () => {
    const a = new FakeNode('a', { tokens: ['start ', ...Array<string>(30).fill('')], tokenDelayMs: 40 });
    const b = new FakeNode('b', { tokens: ['rest'] });
    directory.targets = [a, b];
    const { seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    expect(seen.join('')).toBe('start rest');
    expect(takeovers).toEqual([{ fromNodeId: 'a', prefixBytes: 6 }]);
  });

  it('charges a trickling node’s circuit like a stall: three slow replies open it', async () => {
    const trickle = new FakeNode('trickle', { tokens: ['t ', 't ', 't ', 't ', 't '], tokenDelayMs: 90 });
    directory.targets = [trickle];
    for (let i = 0; i < 3; i += 1) await expect(collect(stream())).rejects.toThrow('slower than 20 tokens/s');
    expect(router.breaker.state('trickle')).toBe('open');
  });

  it('does not cut a node that keeps NODE_MIN_TOKENS_PER_S, however long its reply', async () => {
    const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
    const steady = new FakeNode('steady', { tokens: words, tokenDelayMs: 40 });
    const other = new FakeNode('other', { tokens: ['x'] });
    directory.targets = [steady, other];
    const { seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    expect(seen).toEqual(words);
    expect(takeovers).toEqual([]);
    expect(other.calls).toBe(0);
  });

  it('tells of a takeover only once the new node answers, and names the last node that streamed part of it', async () => {
    const a = new FakeNode('a', { tokens: ['one ', 'x'], failAt: 1 });
    const b = new FakeNode('b', { tokens: [], failAt: 0 }); // fails before its first token: no event for it
    const c = new FakeNode('c', { tokens: ['two ', 'x'], failAt: 1 });
    const d = new FakeNode('d', { tokens: ['three'] });
    directory.targets = [a, b, c, d];
    Object.assign(router, { maxAttempts: 4 });
    const { stream: reply, seen, takeovers, error } = await read(routed());
    expect(error).toBeUndefined();
    expect(seen.join('')).toBe('one two three');
    expect(takeovers).toEqual([
      { fromNodeId: 'a', prefixBytes: 4 },
      { fromNodeId: 'c', prefixBytes: 8 },
    ]);
    expect(b.requests[0].continuation).toEqual({ prefix: 'one ', prefixNode: '0xa' });
    expect(c.requests[0].continuation).toEqual({ prefix: 'one ', prefixNode: '0xa' });
    expect(d.requests[0].continuation).toEqual({ prefix: 'one two ', prefixNode: '0xc' });
    expect(reply.takeover).toEqual({ prefixNodeId: 'c', prefixNode: '0xc', prefixBytes: 8 });
  });

  it('fails with the node’s error when no other node can take over, keeping what was delivered', async () => {
    const midway = new ModelError('connection reset', true);
    const a = new FakeNode('a', { tokens: ['one', 'two'], failAt: 1, error: midway });
    directory.targets = [a];
    const { stream: reply, seen, takeovers, error } = await read(routed());
    expect(error).toBe(midway);
    expect(seen).toEqual(['one']);
    expect(takeovers).toEqual([]);
    expect(reply.takeover).toBeUndefined();
  });

  it('does not take over past the prefix a node accepts (MAX_CONTINUATION_BYTES): the reply fails as it is', async () => {
    const long = 'é'.repeat(MAX_CONTINUATION_BYTES / 2) + ' ';
    const a = new FakeNode('a', { tokens: [long, 'x'], failAt: 1 });
    const b = new FakeNode('b', { tokens: ['rest'] });
    directory.targets = [a, b];
    const { seen, takeovers, error } = await read(routed());
    expect(error).toMatchObject({ message: 'a failed' });
    expect(seen).toEqual([long]);
    expect(takeovers).toEqual([]);
    expect(b.calls).toBe(0);
  });

  it('counts takeovers within NODE_MAX_ATTEMPTS: a reply is tried on at most that many nodes', async () => {
    const nodes = ['a', 'b', 'c', 'd'].map((key) => new FakeNode(key, { tokens: [key, 'x'], failAt: 1 }));
    directory.targets = nodes;
    const { seen, takeovers, error } = await read(routed());
    expect(error).toMatchObject({ message: 'c failed' });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(takeovers).toHaveLength(2);
    expect(nodes.map((node) => node.calls)).toEqual([1, 1, 1, 0]);
  });

  it('does not take over a cancelled reply, nor a failure the model reports as not retryable', async () => {
    const controller = new AbortController();
    const a = new FakeNode('a', { tokens: ['one', 'two'], stallAt: 1 });
    const b = new FakeNode('b', { tokens: ['other'] });
    directory.targets = [a, b];
    setTimeout(() => controller.abort(), 30);
    const cancelled = await read(routed(controller.signal));
    expect(cancelled.error).toMatchObject({ name: 'AbortError' });
    expect(cancelled.takeovers).toEqual([]);
    expect(b.calls).toBe(0);
    expect(router.breaker.state('a')).toBe('closed');

    const refused = new ModelError('content policy', false, 400);
    directory.targets = [new FakeNode('c', { tokens: ['one', 'two'], failAt: 1, error: refused }), b];
    const failed = await read(routed());
    expect(failed.error).toBe(refused);
    expect(failed.takeovers).toEqual([]);
    expect(b.calls).toBe(0);
  });

  it('asks the policy to admit the reply before any node is tried', async () => {
    const a = new FakeNode('a', { tokens: ['ok'] });
    directory.targets = [a];
    const refusal = new DomainError(ErrorCode.UNAVAILABLE, 'too few operators');
    const admitted: NodeInferenceRequest[] = [];
    Object.assign(router, {
      admit: async (asked: NodeInferenceRequest) => {
        admitted.push(asked);
        if (asked.minOperators === 2) throw refusal;
      },
    });
    await expect(
      collect(router.stream({ ...request, minOperators: 2 }, new AbortController().signal)),
    ).rejects.toBe(refusal);
    expect(a.calls).toBe(0);
    expect(await collect(stream())).toBe('ok');
    expect(admitted.map((asked) => asked.minOperators)).toEqual([2, undefined]);
  });

  it('does not retry a request the model refuses: another node would refuse it too', async () => {
    const refused = new ModelError('context too long', false, 400);
    const other = new FakeNode('b', { tokens: ['ok'] });
    directory.targets = [new FakeNode('a', { tokens: [], failAt: 0, error: refused }), other];
    await expect(collect(stream())).rejects.toBe(refused);
    expect(other.calls).toBe(0);
  });

  it('gives up after NODE_MAX_ATTEMPTS nodes with the last node’s error', async () => {
    const nodes = ['a', 'b', 'c', 'd'].map(
      (key) => new FakeNode(key, { tokens: [], failAt: 0, error: new ModelError(`${key} down`, true, 502) }),
    );
    directory.targets = nodes;
    await expect(collect(stream())).rejects.toThrow('c down');
    expect(nodes.map((node) => node.calls)).toEqual([1, 1, 1, 0]);
  });

  it('does not spend attempts on nodes that refuse the connection, and opens their circuits at once', async () => {
    const refused = () =>
      new ModelError('unreachable (fetch failed)', true, undefined, {
        cause: new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
        }),
      });
    const dead = ['d1', 'd2', 'd3'].map(
      (key) => new FakeNode(key, { tokens: [], failAt: 0, error: refused() }),
    );
    const healthy = new FakeNode('healthy', { tokens: ['ok'] });
    directory.targets = [...dead, healthy];
    expect(await collect(stream())).toBe('ok');
    expect(dead.map((node) => [node.calls, router.breaker.state(node.key)])).toEqual([
      [1, 'open'],
      [1, 'open'],
      [1, 'open'],
    ]);
    expect(await collect(stream())).toBe('ok');
    expect(dead.map((node) => node.calls)).toEqual([1, 1, 1]);
  });

  it('stops routing to a node whose receipt the api refused, though its streams end well', async () => {
    const liar = new FakeNode('liar', { tokens: ['fast'] });
    const honest = new FakeNode('honest', { tokens: ['ok'] });
    directory.targets = [liar, honest];
    const first = stream();
    expect(await collect(first)).toBe('fast');
    first.rejectReceipt?.('its signature does not recover to the node');
    expect(router.breaker.state('liar')).toBe('open');
    expect(await collect(stream())).toBe('ok');
    expect(liar.calls).toBe(1);
  });

  it('fails with UNAVAILABLE when no node serves the model', async () => {
    directory.targets = [];
    const error = await collect(stream()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.UNAVAILABLE);
    expect((error as DomainError).message).toContain('No node serves this model');
  });

  it('opens a node’s circuit after 3 consecutive failures: it is not tried while another node can answer', async () => {
    const flaky = new FakeNode('flaky', { tokens: [], failAt: 0 });
    directory.targets = [flaky];
    for (let i = 0; i < 3; i += 1) await expect(collect(stream())).rejects.toThrow('flaky failed');
    expect(router.breaker.state('flaky')).toBe('open');
    const other = new FakeNode('other', { tokens: ['ok'] });
    directory.targets = [flaky, other];
    expect(await collect(stream())).toBe('ok');
    expect(flaky.calls).toBe(3);
  });

  it('still tries a node listed healthy whose circuit is open when no other is left, rather than lose the reply', async () => {
    // A node that died tripped its own circuit; the others' are open from the same burst: one of them is back.
    const dead = new FakeNode('dead', { tokens: [], failAt: 0 });
    const back = new FakeNode('back', { tokens: ['still', ' here'] });
    router.breaker.tripped('dead');
    router.breaker.tripped('back');
    directory.targets = [dead, back];
    expect(await collect(stream())).toBe('still here');
    expect(router.breaker.state('back')).toBe('closed');
  });

  it('keeps the in-process node out of the breaker and the ITL timeout: it is this process', async () => {
    const local = new FakeNode('in-process', { tokens: [], failAt: 0 }, { inProcess: true });
    directory.targets = [local];
    for (let i = 0; i < 4; i += 1) await expect(collect(stream())).rejects.toThrow('in-process failed');
    expect(local.calls).toBe(4);
    local.andThen({ tokens: ['slow but fine'], tokenDelayMs: 150 });
    expect(await collect(stream())).toBe('slow but fine');
  });

  it('passes a cancel through without trying another node or blaming the node', async () => {
    const controller = new AbortController();
    const a = new FakeNode('a', { tokens: ['never'], stallAt: 0 });
    const b = new FakeNode('b', { tokens: ['ok'] });
    directory.targets = [a, b];
    const reply = collect(stream(controller.signal));
    setTimeout(() => controller.abort(), 20);
    await expect(reply).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.calls).toBe(0);
    expect(router.breaker.state('a')).toBe('closed');
    expect(router.load.outstanding('a')).toBe(0);
  });

  it('closes the node’s stream and its count when the reader stops early', async () => {
    directory.targets = [new FakeNode('a', { tokens: ['1', '2', '3'] })];
    for await (const delta of stream()) {
      expect(delta).toBe('1');
      break;
    }
    expect(router.load.outstanding('a')).toBe(0);
  });
});
