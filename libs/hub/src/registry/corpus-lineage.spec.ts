import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineageCandidate, quantizedFrom } from './corpus-lineage';

const corpus = readFileSync(join(__dirname, '..', '..', 'corpus', 'models.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as LineageCandidate);
const byId = new Map(corpus.map((entry) => [entry.id, entry]));
const parentOf = (id: string): string | null => quantizedFrom(byId.get(id)!, corpus);

describe('quantizedFrom over the zoo corpus', () => {
  it('names the fp32 file of the same id without its suffix', () => {
    expect(parentOf('resnet50-v1-12-int8')).toBe('resnet50-v1-12');
    expect(parentOf('resnet50-v1-12-qdq')).toBe('resnet50-v1-12');
  });

  it('falls back to the same name stem in the family, nearest opset, when the ids differ', () => {
    expect(parentOf('squeezenet1.0-13-qdq')).toBe('squeezenet1.0-12');
    expect(parentOf('ssd-mobilenet-v1-13-qdq')).toBe('ssd-mobilenet-v1-12');
  });

  it('gives every quantized entry an fp32 parent of its own family, and fp32 entries none', () => {
    for (const entry of corpus) {
      const parent = quantizedFrom(entry, corpus);
      if (entry.precision === 'int8' || entry.precision === 'int8-qdq') {
        expect(byId.get(parent ?? '')).toMatchObject({ precision: 'fp32', family_id: entry.family_id });
      } else expect(parent).toBeNull();
    }
  });
});
