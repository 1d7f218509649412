import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { PROCESS_GROUPS, parseStatTicks } from '../process-cpu';

/**
 * What an api process holds, read from Linux's /proc: only for a platform on the generator's machine. The api does not
 * report its own memory (GET /health says only whether Postgres and Redis answer), so RSS is the figure; a V8 heap
 * figure would need the api's inspector.
 */
export interface ProcessMemory {
  /** Resident set size now (VmRSS), bytes. */
  rssBytes: number;
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  /** Open file descriptors (each socket is one). */
  openFds?: number;
}

/** One /proc/<pid>/status: a `Name:   value kB` line as bytes, undefined if absent. */
export function statusKb(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** The soft limit on open files in one /proc/<pid>/limits ("unlimited" as Infinity), undefined if absent. */
export function maxOpenFiles(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s+/m.exec(limits);
  if (!match) return undefined;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

/**
 * The inode of the socket listening on a TCP port, from /proc/net/tcp or tcp6 (state 0A is LISTEN; the local address
 * is hex `ADDR:PORT`), undefined when none listens.
 */
export function listeningInode(netTcp: string, port: number): number | undefined {
  for (const line of netTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (!local || fields[3] !== '0A') continue;
    if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) return Number(fields[9]);
  }
  return undefined;
}

export function readMemory(pid: number, proc = '/proc'): ProcessMemory | undefined {
  try {
    const status = readFileSync(`${proc}/${pid}/status`, 'utf8');
    let openFds: number | undefined;
    try {
      openFds = readdirSync(`${proc}/${pid}/fd`).length;
    } catch {
      // Not ours to read: the figure is left out.
    }
    return {
      rssBytes: statusKb(status, 'VmRSS') ?? 0,
      peakRssBytes: statusKb(status, 'VmHWM') ?? 0,
      openFds,
    };
  } catch {
    return undefined;
  }
}

/** CPU ticks (1/100 s) the process has used so far, undefined once it is gone. */
export function readTicks(pid: number, proc = '/proc'): number | undefined {
  try {
    return parseStatTicks(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface ApiProcess {
  pid: number;
  /** The api's soft limit on open files: the most sockets it can hold, less its own files. */
  maxOpenFiles?: number;
  /** How it was found: several apis may run on one machine (other platforms), so by the port it listens on. */
  foundBy: 'listening port' | 'only api process';
}

/**
 * The api process serving `port` on this machine: among the processes process-cpu.ts counts as `api`, the one holding
 * the socket that listens on the port; the only one when the sockets cannot be read. Undefined when none is found.
 */
export function findApiProcess(port: number, proc = '/proc'): ApiProcess | undefined {
  const api = PROCESS_GROUPS.find(({ name }) => name === 'api');
  const candidates: number[] = [];
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`${proc}/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const comm = readFileSync(`${proc}/${entry}/comm`, 'utf8').trim();
      if (api?.matches(cmdline, comm)) candidates.push(Number(entry));
    } catch {
      // Ended while being read.
    }
  }
  const limitOf = (pid: number): number | undefined => {
    try {
      return maxOpenFiles(readFileSync(`${proc}/${pid}/limits`, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const inodes = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    try {
      const inode = listeningInode(readFileSync(`${proc}/net/${table}`, 'utf8'), port);
      if (inode !== undefined) inodes.add(inode);
    } catch {
      // No IPv6 table on this machine.
    }
  }
  for (const pid of candidates) {
    try {
      for (const fd of readdirSync(`${proc}/${pid}/fd`)) {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${proc}/${pid}/fd/${fd}`));
        if (match && inodes.has(Number(match[1])))
          return { pid, maxOpenFiles: limitOf(pid), foundBy: 'listening port' };
      }
    } catch {
      // Not ours to read.
    }
  }
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return only === undefined
    ? undefined
    : { pid: only, maxOpenFiles: limitOf(only), foundBy: 'only api process' };
}
