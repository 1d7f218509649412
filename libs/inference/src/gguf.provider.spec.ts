import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufModelProvider } from './gguf.provider';
import { makeTinyLlamaGguf } from './gguf/tiny-llama';
import { ModelError, ModelRequest, ModelStream } from './model-provider';

// Real llama.cpp (node-llama-cpp's prebuilt CPU binary) on a tiny model file made here. Skipped only where the
// optional dependency is not installed (a platform without a prebuilt binary).
const installed = (() => {
  try {
    require.resolve('node-llama-cpp');
    return true;
  } catch {
    return false;
  }
})();

const messages: ModelRequest['messages'] = [
  { role: 'system', content: 'You are Mira, a friendly robot.' },
  { role: 'user', content: 'Hello there, how are you today?' },
];

async function collect(stream: ModelStream): Promise<{ text: string; pieces: string[] }> {
  const pieces: string[] = [];
  for await (const piece of stream) pieces.push(piece);
  return { text: pieces.join(''), pieces };
}

(installed ? describe : describe.skip)('GgufModelProvider (llama.cpp on a tiny GGUF model)', () => {
  let dir: string;
  let modelPath: string;
  let provider: GgufModelProvider;
  const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
    modelId: 'tiny',
    messages,
    maxTokens: 10,
    ...extra,
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-spec-'));
    modelPath = join(dir, 'tiny.gguf');
    writeFileSync(modelPath, makeTinyLlamaGguf());
    // One thread: more spin against each other on a busy 2-core CI machine (~170 ms a token instead of ~1).
    provider = new GgufModelProvider({ id: 'tiny', path: modelPath, threads: 1, parallel: 1 });
  });

  afterAll(async () => {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams the same text for the same request, greedy, cut at maxTokens (estimateTokens units)', async () => {
    const first = provider.stream(request(), new AbortController().signal);
    const { text, pieces } = await collect(first);
    // The tiny model never ends on its own, so the cap of 10 × 4 characters is what ends it.
    expect(text).toHaveLength(40);
    expect(pieces.length).toBeGreaterThan(1);
    expect(first.finishReason).toBe('length');
    const again = await collect(provider.stream(request(), new AbortController().signal));
    expect(again.text).toBe(text);
    // Greedy unless asked otherwise: the default is temperature 0.
    const greedy = await collect(provider.stream(request({ temperature: 0 }), new AbortController().signal));
    expect(greedy.text).toBe(text);

    const short = provider.stream(request({ maxTokens: 2 }), new AbortController().signal);
    expect((await collect(short)).text).toBe(text.slice(0, 8));
    expect(short.finishReason).toBe('length');
  });

  it('answers another prompt differently (the model reads it)', async () => {
    const greedy = await collect(provider.stream(request(), new AbortController().signal));
    const other = await collect(
      provider.stream(
        request({ messages: [{ role: 'user', content: 'Tell me about the sea and the ships.' }] }),
        new AbortController().signal,
      ),
    );
    expect(other.text).not.toBe(greedy.text);
  });

  it('ends before a stop sequence, with none of it delivered', async () => {
    const { text } = await collect(provider.stream(request(), new AbortController().signal));
    const stop = text.slice(12, 15);
    const stopped = provider.stream(request({ stop: [stop] }), new AbortController().signal);
    const result = await collect(stopped);
    expect(result.text).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.finishReason).toBe('stop');
  });

  it('continues a takeover prefix, the cap counting the whole reply', async () => {
    const { text } = await collect(provider.stream(request(), new AbortController().signal));
    const prefix = text.slice(0, 16);
    const rest = await collect(
      provider.stream(request({ continuation: prefix }), new AbortController().signal),
    );
    expect(prefix + rest.text).toBe(text);
  });

  it('stops on abort with an AbortError and gives the sequence back', async () => {
    const controller = new AbortController();
    const stream = provider.stream(request({ maxTokens: 500 }), controller.signal);
    const pieces: string[] = [];
    await expect(
      (async () => {
        for await (const piece of stream) {
          pieces.push(piece);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(pieces).toHaveLength(1);
    // parallel: 1, so this runs only if the aborted reply released its sequence.
    const next = await collect(provider.stream(request(), new AbortController().signal));
    expect(next.text).toHaveLength(40);
  });

  it('loads lazily: a missing file fails the request (not the constructor), and is tried again', async () => {
    const missing = join(dir, 'later.gguf');
    const lazy = new GgufModelProvider({ id: 'later', path: missing, threads: 1 });
    await expect(collect(lazy.stream(request(), new AbortController().signal))).rejects.toBeInstanceOf(
      ModelError,
    );
    writeFileSync(missing, makeTinyLlamaGguf({ seed: 7 }));
    const { text } = await collect(lazy.stream(request(), new AbortController().signal));
    expect(text).toHaveLength(40);
    await lazy.close();
  });
});
