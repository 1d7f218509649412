import { RenderedCardCache } from './persona-cards.export-cache';

const bytes = (size: number, fill = 1): Buffer => Buffer.alloc(size, fill);

describe('RenderedCardCache', () => {
  it('keeps renders up to its byte budget, dropping the least recently used first', () => {
    const cache = new RenderedCardCache(300, 300);
    cache.set('a', bytes(100, 1));
    cache.set('b', bytes(100, 2));
    cache.set('c', bytes(100, 3));
    expect(cache.get('a')?.[0]).toBe(1); // now the most recently used
    cache.set('d', bytes(100, 4));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key)?.[0])).toEqual([1, 3, 4]);
    expect(cache.size).toEqual({ entries: 3, bytes: 300 });
  });

  it('never holds more than its budget, however many renders come', () => {
    const cache = new RenderedCardCache(1_000, 500);
    for (let i = 0; i < 100; i += 1) {
      cache.set(`k${i}`, bytes(7 + (i % 13) * 31));
      expect(cache.size.bytes).toBeLessThanOrEqual(1_000);
    }
  });

  it('does not keep a render larger than its per-entry limit, so one huge card cannot empty it', () => {
    const cache = new RenderedCardCache(1_000, 250);
    cache.set('small', bytes(200));
    cache.set('huge', bytes(251));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toHaveLength(200);
  });

  it('replaces a key in place, counting its bytes once', () => {
    const cache = new RenderedCardCache(1_000);
    cache.set('a', bytes(100));
    cache.set('a', bytes(50, 9));
    expect(cache.get('a')?.[0]).toBe(9);
    expect(cache.size).toEqual({ entries: 1, bytes: 50 });
  });
});
