import { Wallet, verifyTypedData } from 'ethers';
import {
  encodeManifestForSigning,
  manifestDigest,
  MANIFEST_DOMAIN,
  MANIFEST_TYPES,
  recoverManifestSigner,
  signManifest,
  validateManifest,
  type HubManifest,
} from './manifest';

const wallet = new Wallet('0x' + '11'.repeat(32));

function manifest(overrides: Partial<HubManifest> = {}): HubManifest {
  return {
    slug: 'resnet50-int8',
    name: 'ResNet-50 int8',
    version: 1,
    task: 'image classification',
    domain: 'vision',
    description: 'ResNet-50 quantized to int8.',
    license: 'Apache-2.0',
    datasets: ['ImageNet'],
    metrics: { 'top-1': 0.75, 'top-5': 0.92 },
    inputs: [{ name: 'data', shape: [1, 3, 224, 224], type: 'tensor(float)' }],
    outputs: [{ name: 'prob', shape: [1, 1000], type: 'tensor(float)' }],
    precision: 'int8',
    bytes: 25_000_000,
    sha256: 'ab'.repeat(32),
    derivedFrom: 'resnet50',
    derivation: 'quantized',
    tags: ['cnn', 'imagenet'],
    familyId: 'resnet',
    publisher: wallet.address,
    ...overrides,
  };
}

describe('manifest signing', () => {
  it('recovers the publisher from its own signature', async () => {
    const m = manifest();
    expect(recoverManifestSigner(m, await signManifest(wallet, m))).toBe(wallet.address);
  });

  it('is verifiable with ethers alone from the documented encoding', async () => {
    const m = manifest();
    const signature = await signManifest(wallet, m);
    expect(verifyTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(m), signature)).toBe(
      wallet.address,
    );
  });

  it('does not depend on the order of keys inside objects (canonical JSON)', async () => {
    const m = manifest();
    const reordered = manifest({
      metrics: { 'top-5': 0.92, 'top-1': 0.75 },
      inputs: [{ type: 'tensor(float)', shape: [1, 3, 224, 224], name: 'data' }],
    });
    expect(manifestDigest(reordered)).toBe(manifestDigest(m));
    expect(recoverManifestSigner(reordered, await signManifest(wallet, m))).toBe(wallet.address);
  });

  it.each<[string, Partial<HubManifest>]>([
    ['sha256', { sha256: 'cd'.repeat(32) }],
    ['bytes', { bytes: 25_000_001 }],
    ['version', { version: 2 }],
    ['metrics', { metrics: { 'top-1': 0.99, 'top-5': 0.92 } }],
    ['datasets', { datasets: ['ImageNet', 'COCO'] }],
    ['derivedFrom', { derivedFrom: 'resnet101' }],
    ['publisher', { publisher: Wallet.createRandom().address }],
  ])('a changed %s no longer recovers the publisher', async (_field, change) => {
    const signature = await signManifest(wallet, manifest());
    const changed = manifest(change);
    expect(manifestDigest(changed)).not.toBe(manifestDigest(manifest()));
    expect(recoverManifestSigner(changed, signature)).not.toBe(wallet.address);
  });

  it('returns null rather than throwing for a malformed signature', () => {
    expect(recoverManifestSigner(manifest(), '0x1234')).toBeNull();
    expect(recoverManifestSigner(manifest(), 'not a signature')).toBeNull();
  });

  it('gives a 0x-hex 32-byte digest', () => {
    expect(manifestDigest(manifest())).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe('validateManifest', () => {
  function problemsOf(input: unknown): Record<string, string[]> {
    const result = validateManifest(input);
    if (result.ok) return {};
    return Object.fromEntries(result.problems.map((p) => [p.field, p.problems]));
  }

  it('accepts a complete manifest and checksums the publisher', () => {
    const result = validateManifest(manifest({ publisher: wallet.address.toLowerCase() }));
    expect(result).toEqual({ ok: true, manifest: manifest() });
  });

  it('accepts a model that derives from nothing', () => {
    expect(validateManifest(manifest({ derivedFrom: '', derivation: '' })).ok).toBe(true);
  });

  it('refuses a non-object', () => {
    expect(problemsOf(null)).toEqual({ manifest: ['must be an object'] });
    expect(problemsOf([])).toEqual({ manifest: ['must be an object'] });
  });

  it.each<[keyof HubManifest, unknown]>([
    ['slug', 'ResNet'],
    ['slug', 'a'],
    ['slug', 'x'.repeat(101)],
    ['slug', 'has space'],
    ['slug', '-leading'],
    ['sha256', 'AB'.repeat(32)],
    ['sha256', '0x' + 'ab'.repeat(31)],
    ['sha256', 'ab'.repeat(31)],
    ['bytes', 0],
    ['bytes', -5],
    ['bytes', 1.5],
    ['bytes', Number.MAX_SAFE_INTEGER + 1],
    ['bytes', '100'],
    ['version', 0],
    ['version', 2.5],
    ['version', 2 ** 31],
    ['derivation', 'merged'],
    ['name', ''],
    ['name', 'n'.repeat(201)],
    ['description', 'd'.repeat(10_001)],
    ['license', 42],
    ['tags', Array.from({ length: 101 }, (_, i) => `t${i}`)],
    ['tags', ['ok', 3]],
    ['datasets', 'ImageNet'],
    ['datasets', Array.from({ length: 101 }, (_, i) => `d${i}`)],
    ['metrics', { acc: Number.NaN }],
    ['metrics', { acc: Number.POSITIVE_INFINITY }],
    ['metrics', { acc: '0.9' }],
    ['metrics', [0.9]],
    ['inputs', { name: 'x' }],
    ['outputs', [{ big: 'x'.repeat(70_000) }]],
    ['publisher', '0x1234'],
    ['derivedFrom', 'Not A Slug'],
  ])('names %s for bad value #%#', (field, value) => {
    const problems = problemsOf({ ...manifest(), [field]: value });
    expect(Object.keys(problems)).toEqual([field]);
    expect(problems[field]?.length).toBeGreaterThan(0);
  });

  it('reports every bad field at once', () => {
    const problems = problemsOf(manifest({ slug: 'X', sha256: 'nope', bytes: 0 }));
    expect(Object.keys(problems).sort()).toEqual(['bytes', 'sha256', 'slug']);
  });

  it('reports a missing field and unknown fields', () => {
    const withoutName: Partial<HubManifest> = manifest();
    delete withoutName.name;
    expect(Object.keys(problemsOf(withoutName))).toEqual(['name']);
    expect(problemsOf({ ...manifest(), extra: 1 })).toEqual({ manifest: ['unknown fields: extra'] });
  });

  it('wants derivedFrom and derivation together, and not pointing at itself', () => {
    expect(Object.keys(problemsOf(manifest({ derivation: '' })))).toEqual(['derivation']);
    expect(Object.keys(problemsOf(manifest({ derivedFrom: '' })))).toEqual(['derivation']);
    expect(Object.keys(problemsOf(manifest({ derivedFrom: 'resnet50-int8' })))).toEqual(['derivedFrom']);
  });
});
