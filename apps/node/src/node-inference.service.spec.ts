import { Wallet } from 'ethers';
import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import {
  ModelError,
  type ModelProvider,
  type ModelRequest,
  type ModelStream,
} from '@app/inference/model-provider';
import { commitText } from '@app/receipts/receipt-hashes';
import { NO_PREFIX } from '@app/receipts/receipt.spec-types';
import type { ModelRegistry } from '@app/inference/model-registry';
import type { NodeInferenceRequest } from '@app/network/inference-node';
import { parseNodeEvents, verifyNodeReceipt, type NodeEvent } from '@app/node-protocol';
import { NodeDrain } from './node-drain';
import type { NodeIdentity } from './node-identity';
import { NodeInference } from './node-inference.service';

const wallet = Wallet.createRandom();
const request: NodeInferenceRequest = {
  model: { modelId: 'm', messages: [{ role: 'user', content: 'hi' }] },
  receipt: {
    inferenceId: 'inf-1',
    conversationId: 'conv-1',
    previousDigest: `0x${'00'.repeat(32)}`,
    personaVersionHash: `0x${'ab'.repeat(32)}`,
  },
};

/** Just what NodeInference uses of express's Response, recording what was written. */
class FakeResponse extends EventEmitter {
  written = '';
  writableEnded = false;
  status(): this {
    return this;
  }
  setHeader(): void {}
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  end(chunk = ''): void {
    this.written += chunk;
    this.writableEnded = true;
  }
}

function serve(
  pieces: (signal: AbortSignal) => AsyncGenerator<string>,
  asked: NodeInferenceRequest = request,
): {
  run: (response: FakeResponse) => Promise<void>;
  drain: NodeDrain;
  /** What the model was asked, call by call. */
  modelRequests: ModelRequest[];
} {
  const modelRequests: ModelRequest[] = [];
  const provider = {
    stream: (modelRequest: ModelRequest, signal: AbortSignal): ModelStream => {
      modelRequests.push(modelRequest);
      return { finishReason: 'stop', [Symbol.asyncIterator]: () => pieces(signal) };
    },
  } as unknown as ModelProvider;
  const models = { resolve: () => provider } as unknown as ModelRegistry;
  const drain = new NodeDrain();
  const inference = new NodeInference(models, { wallet } as unknown as NodeIdentity, drain);
  return {
    run: (response) => inference.stream(asked, response as unknown as Response),
    drain,
    modelRequests,
  };
}

async function eventsOf(written: string): Promise<NodeEvent[]> {
  const all: NodeEvent[] = [];
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield new TextEncoder().encode(written);
  }
  for await (const event of parseNodeEvents(bytes())) all.push(event);
  return all;
}

describe('NodeInference', () => {
  it('streams the pieces, then one receipt over exactly them, then [DONE]', async () => {
    const { run } = serve(async function* () {
      yield 'Hel';
      yield 'lo';
    });
    const response = new FakeResponse();
    await run(response);
    const events = await eventsOf(response.written);
    expect(events.map((e) => e.kind)).toEqual(['delta', 'delta', 'receipt', 'done']);
    const receipt = events[2].kind === 'receipt' ? events[2].event : undefined;
    expect(() =>
      verifyNodeReceipt(
        { nodeId: 'n', signer: wallet.address, ...receipt! },
        {
          nodeAddress: wallet.address,
          context: request.receipt,
          modelId: 'm',
          messages: request.model.messages,
          text: 'Hello',
        },
      ),
    ).not.toThrow();
  });

  it('signs a v3 receipt with zero prefix fields when it made the whole reply', async () => {
    const { run } = serve(async function* () {
      yield 'Hello';
    });
    const response = new FakeResponse();
    await run(response);
    const events = await eventsOf(response.written);
    const receipt = events[1].kind === 'receipt' ? events[1].event.receipt : undefined;
    expect(receipt).toMatchObject(NO_PREFIX);
  });

  it('on a takeover, continues the prefix, streams only the rest and signs over the whole reply', async () => {
    const prefixNode = Wallet.createRandom().address;
    const continuation = { prefix: 'Hello, I a', prefixNode };
    const { run, modelRequests } = serve(
      async function* () {
        yield 'm ';
        yield 'Ada.';
      },
      { ...request, continuation },
    );
    const response = new FakeResponse();
    await run(response);
    expect(modelRequests[0].continuation).toBe(continuation.prefix);
    const events = await eventsOf(response.written);
    expect(events.filter((e) => e.kind === 'delta')).toEqual([
      { kind: 'delta', content: 'm ' },
      { kind: 'delta', content: 'Ada.' },
    ]);
    const signed = events[2].kind === 'receipt' ? events[2].event : undefined;
    expect(signed!.receipt.prefixNode).toBe(prefixNode);
    expect(signed!.receipt.prefixHash).toBe(commitText(signed!.salt, continuation.prefix));
    const expected = {
      nodeAddress: wallet.address,
      context: request.receipt,
      modelId: 'm',
      // The original messages: the prefix is not part of the input.
      messages: request.model.messages,
      text: 'Hello, I am Ada.',
      continuation,
    };
    expect(() =>
      verifyNodeReceipt({ nodeId: 'n', signer: wallet.address, ...signed! }, expected),
    ).not.toThrow();
    // Only the whole text verifies: a receipt over the node's own part would hide whose the prefix was.
    expect(() =>
      verifyNodeReceipt({ nodeId: 'n', signer: wallet.address, ...signed! }, { ...expected, text: 'm Ada.' }),
    ).toThrow(/outputHash/);
  });

  it('ends a reply that fails mid-stream with an error event and no receipt, without the upstream’s text', async () => {
    const { run, drain } = serve(async function* () {
      yield 'Hel';
      throw new ModelError('upstream 502: secret-host.internal', true, 502);
    });
    const response = new FakeResponse();
    await run(response);
    expect(await eventsOf(response.written)).toEqual([
      { kind: 'delta', content: 'Hel' },
      { kind: 'error', code: 'MODEL_FAILED', message: 'The model failed (its server answered 502).' },
    ]);
    expect(drain.outstanding).toBe(0);
  });

  it('stops the model when the api goes away', async () => {
    let aborted = false;
    const { run } = serve(async function* (signal) {
      yield 'Hel';
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      aborted = true;
      throw new DOMException('aborted', 'AbortError');
    });
    const response = new FakeResponse();
    const running = run(response);
    await new Promise((resolve) => setImmediate(resolve));
    response.emit('close');
    await running;
    expect(aborted).toBe(true);
  });
});
