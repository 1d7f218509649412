import { HubPinRecorder } from './hub-pin-recorder';
import type { NodesRepository } from './nodes.repository';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function recorder(): { pins: HubPinRecorder; writes: [string, readonly string[]][] } {
  const writes: [string, readonly string[]][] = [];
  const repository = {
    replacePins: (nodeId: string, list: readonly string[]) => {
      writes.push([nodeId, list]);
      return Promise.resolve();
    },
  } as unknown as NodesRepository;
  return { pins: new HubPinRecorder(repository), writes };
}

describe('HubPinRecorder', () => {
  it('writes a node’s list once while it stays the same (in any order), and again when it changes', async () => {
    const { pins, writes } = recorder();
    await pins.record('n-1', [A, B], 0);
    await pins.record('n-1', [B, A], 1_000);
    expect(writes).toEqual([['n-1', [A, B]]]);
    await pins.record('n-1', [A], 2_000);
    await pins.record('n-1', [], 3_000);
    expect(writes.map(([, list]) => list)).toEqual([[A, B], [A], []]);
  });

  it('keeps nodes apart, and writes an unchanged list again after a minute (another api process may have written)', async () => {
    const { pins, writes } = recorder();
    await pins.record('n-1', [A], 0);
    await pins.record('n-2', [A], 0);
    await pins.record('n-1', [A], 59_000);
    expect(writes).toHaveLength(2);
    await pins.record('n-1', [A], 61_000);
    expect(writes).toHaveLength(3);
  });
});
