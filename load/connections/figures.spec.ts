import { formatBytes, idleCpu, memoryPerConnection, reconnectCurve, timeToShares } from './figures';

describe('connection figures', () => {
  it('memory per connection is the RSS growth over the connections held', () => {
    // 100 MiB before, 150 MiB after 10,000 connections: 5,242.88 bytes each.
    expect(memoryPerConnection(100 * 1024 * 1024, 150 * 1024 * 1024, 10_000)).toBe(5243);
    expect(memoryPerConnection(1000, 900, 10)).toBe(-10);
  });

  it('has no memory per connection without connections or a reading', () => {
    expect(memoryPerConnection(1, 2, 0)).toBeUndefined();
    expect(memoryPerConnection(undefined, 2, 5)).toBeUndefined();
    expect(memoryPerConnection(1, undefined, 5)).toBeUndefined();
  });

  it('idle CPU is ms of CPU per second of the window, and per 1,000 connections', () => {
    // 150 ticks = 1.5 s of CPU over 60 s: 25 ms/s; with 10,000 connections, 2.5 ms/s per 1k.
    expect(idleCpu(1000, 1150, 60_000, 10_000)).toEqual({ msPerS: 25, msPerSPer1k: 2.5 });
    expect(idleCpu(0, 100, 1000, 0)).toEqual({ msPerS: 1000, msPerSPer1k: undefined });
    expect(idleCpu(undefined, 100, 1000, 10)).toBeUndefined();
  });

  it('time to a share is the time of the ⌈share × total⌉-th reconnection, in any order of arrival', () => {
    const ms = [400, 100, 300, 200, 1000, 600, 500, 700, 900, 800];
    expect(timeToShares(ms, 10, [0.5, 0.9, 0.99, 1])).toEqual([
      { share: 0.5, ms: 500 },
      { share: 0.9, ms: 900 },
      { share: 0.99, ms: 1000 },
      { share: 1, ms: 1000 },
    ]);
  });

  it('a share never reached is null: connections that did not come back count in the total', () => {
    // 3 of 4 back: 75% reached, 100% not.
    expect(timeToShares([10, 20, 30], 4, [0.75, 1])).toEqual([
      { share: 0.75, ms: 30 },
      { share: 1, ms: null },
    ]);
  });

  it("the storm's curve counts the connections back at each time and keeps the last one", () => {
    expect(reconnectCurve([30, 10, 20])).toEqual([
      [0, 0],
      [10, 1],
      [20, 2],
      [30, 3],
    ]);
    const thinned = reconnectCurve(
      Array.from({ length: 1000 }, (_, i) => i),
      100,
    );
    expect(thinned.length).toBe(101);
    expect(thinned[thinned.length - 1]).toEqual([999, 1000]);
  });

  it('formats bytes in the unit that reads best', () => {
    expect(formatBytes(5243)).toBe('5.1 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(undefined)).toBe('-');
  });
});
