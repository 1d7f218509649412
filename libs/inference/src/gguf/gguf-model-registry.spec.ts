import { EmbeddedModelProvider } from '../embedded.provider';
import { GgufModelProvider } from '../gguf.provider';
import { UnknownModelError } from '../model-registry';
import { GgufModelRegistry } from './gguf-model-registry';

describe('GgufModelRegistry', () => {
  // Nothing loads here: the provider loads its file on the first request (or at the app's bootstrap).
  const gguf = new GgufModelProvider({ id: 'tiny', path: '/nonexistent/tiny.gguf' });

  it('resolves the GGUF model by its id, and everything else as ModelRegistry does', () => {
    const registry = new GgufModelRegistry({}, gguf);
    expect(registry.resolve('tiny')).toBe(gguf);
    expect(registry.has('tiny')).toBe(true);
    expect(registry.resolve('embedded')).toBeInstanceOf(EmbeddedModelProvider);
    expect(registry.has('other')).toBe(false);
    expect(() => registry.resolve('other')).toThrow(UnknownModelError);
    expect(registry.knownModelIds()).toContain('tiny');
  });

  it('refuses an id the embedded model or an upstream already has', () => {
    const clash = { id: 'tiny', baseURL: 'http://gpu/v1', model: 'm' };
    expect(() => new GgufModelRegistry({ openAiCompatible: [clash] }, gguf)).toThrow(/configured twice/);
    const embedded = new GgufModelProvider({ id: 'embedded:slow', path: '/nonexistent/x.gguf' });
    expect(() => new GgufModelRegistry({}, embedded)).toThrow(/embedded/);
  });
});
