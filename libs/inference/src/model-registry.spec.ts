import { EmbeddedModelProvider } from './embedded.provider';
import { ModelRegistry, UnknownModelError } from './model-registry';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';

describe('ModelRegistry', () => {
  const registry = new ModelRegistry({
    embedded: { profiles: { bench: { ttftMs: 300, tokensPerSecond: 40 } } },
    openAiCompatible: [{ id: 'local-llama', baseURL: 'http://127.0.0.1:8000/v1', model: 'llama3' }],
  });

  it('sends embedded ids, with any known profile, to the embedded model', () => {
    for (const modelId of ['embedded', 'embedded:hosted', 'embedded:bench', 'embedded:ttft=100,tps=20']) {
      expect(registry.resolve(modelId)).toBeInstanceOf(EmbeddedModelProvider);
    }
  });

  it('sends a configured id to its OpenAI-compatible server', () => {
    const provider = registry.resolve('local-llama');
    expect(provider).toBeInstanceOf(OpenAiCompatibleProvider);
    expect(provider.id).toBe('local-llama');
  });

  it('rejects an unknown model id with a message that lists the known ones', () => {
    expect(registry.has('gpt-9')).toBe(false);
    expect(() => registry.resolve('gpt-9')).toThrow(UnknownModelError);
    expect(() => registry.resolve('gpt-9')).toThrow(/Unknown model "gpt-9".*local-llama/);
    expect(() => registry.resolve('embedded:warp')).toThrow(UnknownModelError);
  });

  it('refuses a configured id that clashes with the embedded model', () => {
    const clash = { id: 'embedded:x', baseURL: 'http://127.0.0.1:1/v1', model: 'm' };
    expect(() => new ModelRegistry({ openAiCompatible: [clash] })).toThrow(/clashes/);
  });
});
