import { HubDocument } from './hub-search.types';
import { HubSearchIndex } from './hub-search-index';

let sequence = 0;
function model(overrides: Partial<HubDocument> & Pick<HubDocument, 'name' | 'task'>): HubDocument {
  sequence += 1;
  return {
    id: `${overrides.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${sequence}`,
    domain: 'vision',
    tags: [],
    precision: 'fp32',
    description: '',
    datasets: [],
    metrics: {},
    bytes: 50_000_000,
    license: 'MIT',
    ...overrides,
  };
}

const resnet = model({
  name: 'ResNet50',
  familyId: 'resnet',
  task: 'image classification',
  description: 'Deep residual network that classifies images into ImageNet classes.',
  datasets: ['ImageNet (ILSVRC2012)'],
  metrics: { top1: 0.75 },
  bytes: 102_000_000,
  license: 'Apache-2.0',
  pins: { nodes: 5, operators: 3 },
});
const mobilenetInt8 = model({
  name: 'MobileNet v2-int8',
  familyId: 'mobilenet',
  task: 'image classification',
  precision: 'int8',
  description: 'Efficient image classifier for mobile devices, quantized to 8 bits.',
  datasets: ['ImageNet (ILSVRC2012)'],
  metrics: { top1: 0.68 },
  bytes: 3_600_000,
});
const squeezeInt8 = model({
  name: 'SqueezeNet 1.0-qdq',
  familyId: 'squeezenet',
  task: 'image classification',
  precision: 'int8-qdq',
  description: 'Small image classification network with fire modules.',
  datasets: ['ImageNet (ILSVRC2012)'],
  metrics: { top1: 0.56 },
  bytes: 1_300_000,
});
const vggInt8 = model({
  name: 'VGG 16-int8',
  familyId: 'vgg',
  task: 'image classification',
  precision: 'int8',
  description: 'Very deep convolutional image classifier.',
  datasets: ['ImageNet (ILSVRC2012)'],
  metrics: { top1: 0.72 },
  bytes: 138_000_000,
});
const superResolution = model({
  name: 'Super_Resolution',
  familyId: 'sub-pixel-cnn',
  task: 'super resolution',
  description: 'Increases the spatial resolution of an input image with a sub-pixel convolution layer.',
  datasets: ['BSD300'],
  bytes: 240_000,
});
const styleTransfer = model({
  name: 'Candy',
  familyId: 'fast-neural-style',
  task: 'style transfer',
  description: 'Mixes the content of an image with the style of another image.',
  datasets: ['COCO 2014'],
  bytes: 6_700_000,
});
const detector = model({
  name: 'SSD-MobilenetV1-int8',
  familyId: 'ssd-mobilenetv1',
  task: 'object detection',
  precision: 'int8',
  description: 'Single shot detector that finds objects in an image and draws bounding boxes.',
  datasets: ['COCO 2017'],
  metrics: { map: 0.23 },
  bytes: 9_500_000,
  license: 'Apache-2.0',
});
const bert = model({
  name: 'BERT-Squad',
  familyId: 'bert-squad',
  task: 'question answering',
  domain: 'text',
  description: 'Transformer that answers questions about a passage of text.',
  datasets: ['SQuAD v1.1'],
  metrics: { exact_match: 0.8 },
  bytes: 435_000_000,
  license: 'Apache-2.0',
});

const ALL = [resnet, mobilenetInt8, squeezeInt8, vggInt8, superResolution, styleTransfer, detector, bert];

function indexOf(docs: HubDocument[], options = {}): HubSearchIndex {
  const index = new HubSearchIndex(options);
  for (const doc of docs) index.add(doc);
  return index;
}

const ids = (index: HubSearchIndex, q: string, extra = {}): string[] =>
  index.search({ q, limit: 10, ...extra }).hits.map((hit) => hit.id);

describe('HubSearchIndex', () => {
  it('forgives a typo in a model name', () => {
    expect(ids(indexOf(ALL), 'resnt')[0]).toBe(resnet.id);
  });

  it('does not guess a name from a typo when typo tolerance is off', () => {
    expect(ids(indexOf(ALL, { typos: false }), 'resnt')).not.toContain(resnet.id);
  });

  it('finds super resolution from a paraphrase that shares no word with it', () => {
    expect(ids(indexOf(ALL), 'make blurry photos sharper')[0]).toBe(superResolution.id);
  });

  it('finds style transfer from "convert photo into painting"', () => {
    expect(ids(indexOf(ALL), 'convert photo into painting')[0]).toBe(styleTransfer.id);
  });

  it('reads a task from the words that name it, above a model that merely repeats them', () => {
    const faces = model({
      name: 'FaceNet',
      task: 'face recognition',
      description: 'Face recognition: recognition of a face in an image, recognition by embeddings.',
    });
    const result = indexOf([...ALL, faces]).search({ q: 'image recognition', limit: 3 });
    expect(result.understood.constraints).toContain('task:image classification');
    expect(result.hits[0].id).not.toBe(faces.id);
  });

  it('reads precision and size from the text and says so', () => {
    const index = indexOf(ALL);
    const result = index.search({ q: 'int8 image classification under 10 MB', limit: 10 });
    expect(result.understood.constraints).toEqual(
      expect.arrayContaining(['precision:int8', 'maxBytes:10000000', 'task:image classification']),
    );
    // Models meeting both constraints come first, the nearest misses after them.
    expect(result.hits.slice(0, 2).map((hit) => hit.id)).toEqual(
      expect.arrayContaining([mobilenetInt8.id, squeezeInt8.id]),
    );
  });

  it('returns only int8 models of at most 10 MB when text constraints filter', () => {
    const index = indexOf(ALL, { constraintMode: 'filter' });
    const result = index.search({ q: 'int8 image classification under 10 MB', limit: 10 });
    const found = ALL.filter((doc) => result.hits.some((hit) => hit.id === doc.id));
    expect(found.length).toBeGreaterThan(0);
    for (const doc of found) {
      expect(['int8', 'int8-qdq']).toContain(doc.precision);
      expect(doc.bytes).toBeLessThanOrEqual(10_000_000);
    }
    expect(found.map((doc) => doc.id)).not.toContain(vggInt8.id);
  });

  it('orders by the relevant metric for "most accurate"', () => {
    const result = indexOf(ALL).search({ q: 'most accurate image classifier', limit: 4 });
    expect(result.understood.constraints).toContain('sort:accuracy');
    expect(result.hits.map((hit) => hit.id)).toEqual([
      resnet.id,
      vggInt8.id,
      mobilenetInt8.id,
      squeezeInt8.id,
    ]);
  });

  it('prefers the smallest model for "smallest"', () => {
    const result = indexOf(ALL).search({ q: 'smallest image classifier', limit: 1 });
    expect(result.hits[0].id).toBe(squeezeInt8.id);
  });

  it.each([
    [{ task: 'object detection' }, [detector]],
    [{ license: 'apache-2.0' }, [resnet, detector, bert]],
    [{ precision: 'int8' }, [mobilenetInt8, squeezeInt8, vggInt8, detector]],
    [{ precision: 'int8-qdq' }, [squeezeInt8]],
    [{ maxBytes: 1_300_000 }, [squeezeInt8, superResolution]],
    [{ dataset: 'COCO' }, [styleTransfer, detector]],
    [{ minMetric: { name: 'top1', value: 0.7 } }, [resnet, vggInt8]],
    [{ minOperators: 2 }, [resnet]],
    [{ domain: 'text' }, [bert]],
  ])('filters exactly on facet %j', (facets, expected) => {
    const result = indexOf(ALL).search({ limit: 20, ...facets });
    expect(result.hits.map((hit) => hit.id).sort()).toEqual(expected.map((doc) => doc.id).sort());
    expect(result.total).toBe(expected.length);
  });

  it('applies facets on top of a text query', () => {
    const result = indexOf(ALL).search({
      q: 'image classifier',
      precision: 'int8',
      maxBytes: 5_000_000,
      limit: 10,
    });
    expect(result.hits.map((hit) => hit.id).sort()).toEqual([mobilenetInt8.id, squeezeInt8.id].sort());
  });

  it('adds and removes models one at a time', () => {
    const index = indexOf(ALL.filter((doc) => doc !== bert));
    expect(ids(index, 'question answering')).not.toContain(bert.id);
    index.add(bert);
    expect(index.size).toBe(ALL.length);
    expect(ids(index, 'question answering')[0]).toBe(bert.id);
    index.remove(bert.id);
    expect(index.size).toBe(ALL.length - 1);
    expect(ids(index, 'question answering')).not.toContain(bert.id);
    expect(index.search({ q: 'squad', limit: 5 }).total).toBe(0);
  });

  it('replaces a model re-added under the same id', () => {
    const index = indexOf(ALL);
    index.add({ ...styleTransfer, name: 'Mosaic', description: 'Restyles a photo as a mosaic.' });
    expect(index.size).toBe(ALL.length);
    expect(ids(index, 'mosaic')[0]).toBe(styleTransfer.id);
    expect(ids(index, 'content')).not.toContain(styleTransfer.id);
  });

  it('keeps finding models after many removals compact the postings', () => {
    const index = new HubSearchIndex();
    const clones = Array.from({ length: 1500 }, (_, i) => ({ ...resnet, id: `clone-${i}` }));
    for (const clone of clones) index.add(clone);
    index.add(detector);
    for (const clone of clones.slice(0, 1400)) index.remove(clone.id);
    expect(index.size).toBe(101);
    expect(ids(index, 'detector')[0]).toBe(detector.id);
    expect(index.search({ q: 'resnet', limit: 200 }).total).toBe(100);
  });

  it('ranks the same page when the candidate cap is smaller than the matches', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      ...vggInt8,
      id: `vgg-${i}`,
      description: `${vggInt8.description} ${i}`,
    }));
    const docs = [...many, resnet];
    const capped = indexOf(docs, { maxCandidates: 50 }).search({ q: 'resnet image classifier', limit: 5 });
    const full = indexOf(docs).search({ q: 'resnet image classifier', limit: 5 });
    expect(capped.hits[0].id).toBe(resnet.id);
    expect(capped.hits[0].id).toBe(full.hits[0].id);
    expect(capped.total).toBe(full.total);
  });

  it('answers an absurd page size or a pasted paragraph without trouble', () => {
    const index = indexOf(ALL);
    expect(index.search({ q: 'image', limit: 1e12, offset: -5 }).hits.length).toBeGreaterThan(0);
    expect(index.search({ q: 'image', limit: Number.NaN }).hits).toEqual([]);
    expect(index.search({ q: 'resnt '.repeat(5000), limit: 3 }).hits[0].id).toBe(resnet.id);
  });

  it('pages with offset and limit', () => {
    const index = indexOf(ALL);
    const all = ids(index, 'image', { limit: 6 });
    expect(index.search({ q: 'image', limit: 2, offset: 2 }).hits.map((hit) => hit.id)).toEqual(
      all.slice(2, 4),
    );
  });
});
