import { AppConfig } from '@app/config';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ArtifactStore } from './artifact-store';

function storeIn(dataDir: string): ArtifactStore {
  return new ArtifactStore(AppConfig.fromProcessEnv({ DATA_DIR: dataDir }));
}

function expectedOf(bytes: Buffer) {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

describe('ArtifactStore', () => {
  let store: ArtifactStore;

  beforeEach(() => {
    store = storeIn(mkdtempSync(join(tmpdir(), 'artifact-store-')));
  });

  const entries = () => (existsSync(store.dir) ? readdirSync(store.dir) : []);

  it('keeps matching bytes under their SHA-256, and only them', async () => {
    const bytes = randomBytes(300_000);
    const outcome = await store.put(
      Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
      expectedOf(bytes),
      1e9,
    );
    expect(outcome).toEqual({ kind: 'stored' });
    expect(entries()).toEqual([expectedOf(bytes).sha256]);
    expect(readFileSync(store.pathOf(expectedOf(bytes).sha256)).equals(bytes)).toBe(true);
    expect(await store.size(expectedOf(bytes).sha256)).toBe(bytes.length);
  });

  it('reports what came on a mismatch and keeps nothing', async () => {
    const bytes = randomBytes(1000);
    const other = randomBytes(1000);
    const outcome = await store.put(Readable.from([other]), expectedOf(bytes), 1e9);
    expect(outcome).toEqual({ kind: 'mismatch', got: expectedOf(other) });
    expect(entries()).toEqual([]);
  });

  it('stops at the limit and keeps nothing', async () => {
    const bytes = randomBytes(1000);
    const source = new PassThrough();
    const put = store.put(source, expectedOf(bytes), 1000);
    source.write(bytes);
    source.write(Buffer.from([1]));
    expect(await put).toEqual({ kind: 'too-large', limit: 1000 });
    expect(entries()).toEqual([]);
    // The rest of the body is left unread rather than drained.
    expect(source.isPaused()).toBe(true);
  });

  it('keeps nothing when the source is cut off', async () => {
    const bytes = randomBytes(1000);
    const source = new PassThrough();
    const put = store.put(source, expectedOf(bytes), 1e9);
    source.write(bytes.subarray(0, 500));
    source.destroy();
    expect(await put).toEqual({ kind: 'cut-off' });
    expect(entries()).toEqual([]);
  });

  it('refuses a name that is not a SHA-256', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(TypeError);
  });
});
