import { Test } from '@nestjs/testing';
import { DomainError, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { ModelError } from '@app/inference';
import type { NodeInferenceRequest, NodeReceipt, NodeStream } from '../inference-node';
import { NodeStalledError } from '../nodes.errors';
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

  stream(_request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    const script = this.scripts[Math.min(this.calls, this.scripts.length - 1)];
    this.calls += 1;
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
        if (script.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, script.tokenDelayMs));
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
          useValue: AppConfig.fromProcessEnv({ NODE_ITL_TIMEOUT_MS: '100', NODE_MAX_ATTEMPTS: '3' }),
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

  it('does not retry after the first token: the reply fails with the node’s error', async () => {
    const midway = new ModelError('connection reset', true);
    directory.targets = [
      new FakeNode('a', { tokens: ['one', 'two'], failAt: 1, error: midway }),
      new FakeNode('b', { tokens: ['other'] }),
    ];
    const reply = stream();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const delta of reply) seen.push(delta);
      })(),
    ).rejects.toBe(midway);
    expect(seen).toEqual(['one']);
  });

  it('fails a stall after the first token as a stall, without another node', async () => {
    directory.targets = [
      new FakeNode('a', { tokens: ['one', 'two'], stallAt: 1 }),
      new FakeNode('b', { tokens: ['other'] }),
    ];
    await expect(collect(stream())).rejects.toBeInstanceOf(NodeStalledError);
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

  it('opens a node’s circuit after 3 consecutive failures: the node is no longer tried', async () => {
    const flaky = new FakeNode('flaky', { tokens: [], failAt: 0 });
    directory.targets = [flaky];
    for (let i = 0; i < 3; i += 1) await expect(collect(stream())).rejects.toThrow('flaky failed');
    expect(router.breaker.state('flaky')).toBe('open');
    await expect(collect(stream())).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(flaky.calls).toBe(3);
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
