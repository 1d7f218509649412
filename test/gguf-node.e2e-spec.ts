// A node process serving a local GGUF model (--gguf) on CPU with llama.cpp, against the real api: a consumer's chat
// is routed to it and answered by the model file the test made, greedy (the same request, the same reply), and the
// stored receipt is the node's.
import { makeTinyLlamaGguf } from '@app/inference/gguf/tiny-llama';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import request from 'supertest';
import { createPersona, signUp, startApi, type ApiHarness, type TestUser } from './support/api-harness';
import { buildNodeProcess, startNodeProcess, type NodeProcess } from './support/node-processes';

const MODEL_ID = 'tiny-gguf';

// Skipped only where the optional dependency is not installed (a platform without a prebuilt llama.cpp).
const installed = (() => {
  try {
    require.resolve('node-llama-cpp');
    return true;
  } catch {
    return false;
  }
})();

jest.setTimeout(60_000);

(installed ? describe : describe.skip)('a chat served by a node running a GGUF model (e2e)', () => {
  let api: ApiHarness;
  let node: NodeProcess | undefined;
  let dir: string;
  let consumer: TestUser;
  let slug: string;

  beforeAll(async () => {
    buildNodeProcess();
    dir = mkdtempSync(join(tmpdir(), 'gguf-node-'));
    const modelPath = join(dir, 'tiny.gguf');
    writeFileSync(modelPath, makeTinyLlamaGguf());
    // Only the node process can answer.
    api = await startApi({ NODE_IN_PROCESS: 'false' });
    const operator = await signUp(api.url, 'operator');
    node = await startNodeProcess(api.url, operator.apiKey, [
      ...['--gguf', modelPath, '--model-id', MODEL_ID],
      // One thread: on a busy 2-core machine more threads spin against each other.
      ...['--gguf-threads', '1', '--gguf-parallel', '1'],
    ]);
    // The api accepts the persona's model id because a registered node serves it.
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    ({ slug } = await createPersona(api.url, creator, {
      name: 'Tiny',
      personality: 'terse',
      modelId: MODEL_ID,
    }));
  }, 120_000);

  afterAll(async () => {
    await node?.dispose();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers the GGUF model under its id', () => {
    expect(node!.listed).toMatchObject({ healthy: true, modelIds: [MODEL_ID] });
  });

  it('answers through the api with the model’s greedy reply, capped by max_tokens, signed by the node', async () => {
    const client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
    const ask = () =>
      client.chat.completions.create({
        model: slug,
        messages: [{ role: 'user', content: 'Hello, who are you?' }],
        max_tokens: 12,
      });
    const first = await ask();
    const text = first.choices[0]?.message.content ?? '';
    // The tiny model never ends on its own: 12 estimateTokens units are 48 characters.
    expect(text).toHaveLength(48);
    expect(first.choices[0]?.finish_reason).toBe('length');
    const again = await ask();
    expect(again.choices[0]?.message.content).toBe(text);

    const inferenceId = (first as unknown as { inference_id: string }).inference_id;
    const bundle = await request(api.url)
      .get(`/v1/inferences/${inferenceId}/bundle`)
      .set(consumer.auth)
      .expect(200);
    expect(bundle.body.receipt).toMatchObject({ node: node!.listed.address, modelId: MODEL_ID });
  });
});
