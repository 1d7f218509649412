import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubPins } from './hub-pins';
import type { NodeOptions } from './node-options';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('HubPins', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-pins-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('knows each file of --hub-dir by its computed SHA-256, whatever its name; folders are skipped', async () => {
    const one = Buffer.from('first model');
    const two = Buffer.from('second model');
    writeFileSync(join(dir, 'model.onnx'), one);
    // Named like a hash, but not its own: pinned under the hash of its bytes.
    writeFileSync(join(dir, 'f'.repeat(64)), two);
    mkdirSync(join(dir, 'nested'));
    const pins = new HubPins({ hubDir: dir } as NodeOptions);
    await pins.onModuleInit();
    expect(pins.list()).toEqual([sha256(one), sha256(two)].sort());
    expect(pins.find(sha256(two))).toEqual({ path: join(dir, 'f'.repeat(64)), bytes: two.length });
    expect(pins.find('f'.repeat(64))).toBeUndefined();
  });

  it('says nothing about pins without --hub-dir, and an empty list for an empty folder', async () => {
    const none = new HubPins({} as NodeOptions);
    await none.onModuleInit();
    expect(none.list()).toBeUndefined();
    const empty = new HubPins({ hubDir: dir } as NodeOptions);
    await empty.onModuleInit();
    expect(empty.list()).toEqual([]);
  });
});
