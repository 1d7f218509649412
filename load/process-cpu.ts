import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the processes that serve a message, per group, over the measured window: the number that decides
 * capacity (docs/performance.md). Read from Linux's /proc, so only for a platform on the generator's machine.
 */

/** The processes a Twinproof deployment on one machine runs, told apart by their command line. */
export const PROCESS_GROUPS: readonly {
  name: string;
  matches: (cmdline: string, comm: string) => boolean;
}[] = [
  { name: 'api', matches: (cmdline) => /dist\/apps\/api\/src\/main\.js/.test(cmdline) },
  { name: 'worker', matches: (cmdline) => /dist\/apps\/worker\/src\/main\.js/.test(cmdline) },
  { name: 'nodes', matches: (cmdline) => /dist\/apps\/node\/src\/main\.js/.test(cmdline) },
  { name: 'postgres', matches: (_cmdline, comm) => comm === 'postgres' },
  { name: 'redis', matches: (_cmdline, comm) => comm === 'redis-server' },
  { name: 'chain', matches: (cmdline) => /dist\/scripts\/dev-chain\.js/.test(cmdline) },
];

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every architecture Node runs on. */
const TICKS_PER_S = 100;

/** One /proc/<pid>/stat: utime, stime, cutime, cstime (fields 14-17), in ticks. */
export function parseStatTicks(stat: string): number {
  // The command name, in parentheses, may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
}

/** Ticks per process of each group now; processes that vanish between two readings are simply missing. */
export type CpuReading = Map<string, Map<number, number>>;

export function readGroups(proc = '/proc'): CpuReading {
  const reading: CpuReading = new Map(PROCESS_GROUPS.map(({ name }) => [name, new Map<number, number>()]));
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cmdline = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const comm = readFileSync(`${proc}/${pid}/comm`, 'utf8').trim();
      const group = PROCESS_GROUPS.find(({ matches }) => matches(cmdline, comm));
      if (!group) continue;
      reading.get(group.name)?.set(pid, parseStatTicks(readFileSync(`${proc}/${pid}/stat`, 'utf8')));
    } catch {
      // The process ended while being read, or is not ours to read: it is not counted.
    }
  }
  return reading;
}

export interface GroupCpu {
  group: string;
  processes: number;
  cpuMs: number;
  /** CPU milliseconds per completed message; undefined when none completed. */
  msPerMessage?: number;
  /** Share of one core over the window. */
  corePercent: number;
}

export interface ServerCpu {
  windowS: number;
  messages: number;
  groups: GroupCpu[];
  totalMsPerMessage?: number;
}

/**
 * The difference between two readings. A process that started inside the window counts from zero; the children a
 * process reaped count through its cutime/cstime (Postgres backends, through the postmaster).
 */
export function cpuBetween(
  before: CpuReading,
  after: CpuReading,
  windowMs: number,
  messages: number,
): ServerCpu {
  const groups: GroupCpu[] = [];
  for (const [group, processes] of after) {
    let ticks = 0;
    for (const [pid, now] of processes) ticks += Math.max(0, now - (before.get(group)?.get(pid) ?? 0));
    if (processes.size === 0) continue;
    const cpuMs = (ticks * 1000) / TICKS_PER_S;
    groups.push({
      group,
      processes: processes.size,
      cpuMs,
      msPerMessage: messages > 0 ? round(cpuMs / messages) : undefined,
      corePercent: round((cpuMs / windowMs) * 100),
    });
  }
  const total = groups.reduce((sum, { cpuMs }) => sum + cpuMs, 0);
  return {
    windowS: round(windowMs / 1000),
    messages,
    groups,
    totalMsPerMessage: messages > 0 ? round(total / messages) : undefined,
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** True when the platform runs on this machine, so its processes can be read. */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';
}

/** Groups with more processes than one platform runs by default: the sign that other work on the box is counted. */
export function crowdedGroups(cpu: ServerCpu): string[] {
  const expected: Record<string, number> = { api: 1, worker: 1 };
  return cpu.groups
    .filter((group) => expected[group.group] !== undefined && group.processes > expected[group.group])
    .map((group) => `${group.processes} ${group.group} processes`);
}

export function formatServerCpu(cpu: ServerCpu | undefined): string {
  if (!cpu) return '';
  const lines = [
    '',
    `Server CPU over the ${cpu.windowS} s window, ${cpu.messages} messages completed in it (docs/performance.md)`,
    'group      processes   CPU s   ms/message   % of a core',
  ];
  for (const group of cpu.groups) {
    lines.push(
      `${group.group.padEnd(10)} ${String(group.processes).padStart(9)} ${(group.cpuMs / 1000)
        .toFixed(1)
        .padStart(7)} ${(group.msPerMessage?.toFixed(2) ?? '-').padStart(12)} ${group.corePercent
        .toFixed(1)
        .padStart(13)}`,
    );
  }
  lines.push(
    `${'all'.padEnd(10)} ${''.padStart(9)} ${''.padStart(7)} ${(cpu.totalMsPerMessage?.toFixed(2) ?? '-').padStart(12)}`,
  );
  const crowded = crowdedGroups(cpu);
  if (crowded.length > 0)
    lines.push(
      `Warning: ${crowded.join(', ')}: more processes than one platform runs (one api unless API_PROCESSES, one ` +
        'worker): other platforms or tests on this machine are counted in these figures; measure on a quiet machine.',
    );
  return lines.join('\n') + '\n';
}
