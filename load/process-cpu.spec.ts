import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuBetween,
  CpuReading,
  crowdedGroups,
  formatServerCpu,
  parseStatTicks,
  readGroups,
  type ServerCpu,
} from './process-cpu';

/** A /proc/<pid>/stat line whose utime, stime, cutime, cstime are the given ticks. */
function stat(pid: number, comm: string, [utime, stime, cutime, cstime]: number[]): string {
  // Fields 3-13 (state ... cmajflt), then 14-17.
  return `${pid} (${comm}) S 1 1 1 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 5 0 0`;
}

function fakeProc(processes: { pid: number; comm: string; cmdline: string; ticks: number[] }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'proc-'));
  for (const { pid, comm, cmdline, ticks } of processes) {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'stat'), stat(pid, comm, ticks));
    writeFileSync(join(root, String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(root, String(pid), 'cmdline'), cmdline.split(' ').join('\0'));
  }
  mkdirSync(join(root, 'self'));
  return root;
}

describe('server CPU per message', () => {
  it('reads utime + stime + cutime + cstime, even when the command name has spaces and parentheses', () => {
    expect(parseStatTicks(stat(7, 'postgres: (x) y', [10, 5, 3, 2]))).toBe(20);
  });

  it('groups processes by what they run and ignores the rest', () => {
    const proc = fakeProc([
      { pid: 10, comm: 'node', cmdline: 'node /srv/tp/dist/apps/api/src/main.js', ticks: [100, 20, 0, 0] },
      { pid: 11, comm: 'node', cmdline: 'node /srv/tp/dist/apps/worker/src/main.js', ticks: [50, 10, 0, 0] },
      { pid: 12, comm: 'postgres', cmdline: 'postgres: twinproof idle', ticks: [7, 3, 0, 0] },
      { pid: 13, comm: 'redis-server', cmdline: 'redis-server 127.0.0.1:6379', ticks: [4, 4, 0, 0] },
      { pid: 14, comm: 'node', cmdline: 'node dist/load/chat-load.js', ticks: [900, 0, 0, 0] },
    ]);
    const reading = readGroups(proc);
    expect(reading.get('api')).toEqual(new Map([[10, 120]]));
    expect(reading.get('worker')).toEqual(new Map([[11, 60]]));
    expect(reading.get('postgres')).toEqual(new Map([[12, 10]]));
    expect(reading.get('redis')).toEqual(new Map([[13, 8]]));
    expect([...reading.values()].some((group) => group.has(14))).toBe(false);
  });

  it('divides each group’s CPU over the window by the messages completed; new processes count from zero', () => {
    const before: CpuReading = new Map([
      ['api', new Map([[10, 1_000]])],
      ['postgres', new Map([[12, 500]])],
    ]);
    const after: CpuReading = new Map([
      ['api', new Map([[10, 1_600]])], // 600 ticks = 6 s
      [
        'postgres',
        new Map([
          [12, 700],
          [15, 100],
        ]),
      ], // 200 + a backend started inside: 100 → 3 s
      ['redis', new Map()],
    ]);
    const cpu = cpuBetween(before, after, 10_000, 600);
    expect(cpu.groups).toEqual([
      { group: 'api', processes: 1, cpuMs: 6_000, msPerMessage: 10, corePercent: 60 },
      { group: 'postgres', processes: 2, cpuMs: 3_000, msPerMessage: 5, corePercent: 30 },
    ]);
    expect(cpu.totalMsPerMessage).toBe(15);
    expect(cpuBetween(before, after, 10_000, 0).totalMsPerMessage).toBeUndefined();
  });
});

describe('crowdedGroups', () => {
  const cpu = (api: number, worker: number): ServerCpu => ({
    windowS: 10,
    messages: 100,
    groups: [
      { group: 'api', processes: api, cpuMs: 1, msPerMessage: 1, corePercent: 1 },
      { group: 'worker', processes: worker, cpuMs: 1, msPerMessage: 1, corePercent: 1 },
      { group: 'postgres', processes: 30, cpuMs: 1, msPerMessage: 1, corePercent: 1 },
    ],
  });

  it('names the groups with more processes than one platform runs, and warns in the table', () => {
    expect(crowdedGroups(cpu(1, 1))).toEqual([]);
    expect(crowdedGroups(cpu(3, 2))).toEqual(['3 api processes', '2 worker processes']);
    expect(formatServerCpu(cpu(3, 1))).toContain('Warning: 3 api processes');
    expect(formatServerCpu(cpu(1, 1))).not.toContain('Warning');
  });
});
