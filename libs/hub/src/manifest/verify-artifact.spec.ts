import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Wallet } from 'ethers';
import { signManifest, type HubManifest } from './manifest';
import { verifyArtifact } from './verify-artifact';

const publisher = new Wallet('0x' + '22'.repeat(32));
const bytes = Buffer.from('an onnx model, in spirit');

function manifest(overrides: Partial<HubManifest> = {}): HubManifest {
  return {
    slug: 'tiny-model',
    name: 'Tiny model',
    version: 1,
    task: 'image classification',
    domain: 'vision',
    description: '',
    license: 'MIT',
    datasets: [],
    metrics: {},
    inputs: [],
    outputs: [],
    precision: 'fp32',
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    derivedFrom: '',
    derivation: '',
    tags: [],
    familyId: '',
    publisher: publisher.address,
    ...overrides,
  };
}

function failed(result: { checks: { name: string; ok: boolean }[] }): string[] {
  return result.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe('verifyArtifact', () => {
  it('accepts the bytes a signed manifest names, streamed in pieces', async () => {
    const m = manifest();
    const result = await verifyArtifact(
      m,
      await signManifest(publisher, m),
      Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]),
    );
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(['manifest', 'signature', 'sha256', 'bytes']);
  });

  it('names the sha256 when a byte differs', async () => {
    const m = manifest();
    const tampered = Buffer.from(bytes);
    tampered[0] ^= 1;
    const result = await verifyArtifact(m, await signManifest(publisher, m), Readable.from([tampered]));
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(['sha256']);
  });

  it('names the length when bytes are missing', async () => {
    const m = manifest();
    const result = await verifyArtifact(
      m,
      await signManifest(publisher, m),
      Readable.from([bytes.subarray(1)]),
    );
    expect(failed(result)).toEqual(['sha256', 'bytes']);
  });

  it('names the signature when someone else signed the manifest', async () => {
    const m = manifest();
    const result = await verifyArtifact(
      m,
      await signManifest(Wallet.createRandom(), m),
      Readable.from([bytes]),
    );
    expect(failed(result)).toEqual(['signature']);
  });

  it('names the signature when the manifest was changed after signing', async () => {
    const signature = await signManifest(publisher, manifest());
    const result = await verifyArtifact(
      manifest({ license: 'proprietary' }),
      signature,
      Readable.from([bytes]),
    );
    expect(failed(result)).toEqual(['signature']);
  });
});
