import { readFileSync } from 'node:fs';
import { maxOpenFiles } from './proc-memory';

/** File descriptors beyond the sockets: the generator's own files, its HTTP calls, Node's internals. */
const SPARE_FDS = 256;

/** This process's soft limit on open files (`ulimit -n`), undefined where /proc cannot say. */
export function ownMaxOpenFiles(proc = '/proc'): number | undefined {
  try {
    return maxOpenFiles(readFileSync(`${proc}/self/limits`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether `limit` open files leave room for `sockets` connections; a sentence saying so when they do not. */
export function fdShortfall(who: string, limit: number | undefined, sockets: number): string | undefined {
  if (limit === undefined || limit >= sockets + SPARE_FDS) return undefined;
  return (
    `${who}'s open-file limit is ${limit}: too low for ${sockets} sockets (each is one file, plus ~${SPARE_FDS} ` +
    `for the rest). Raise it (ulimit -n ${sockets + SPARE_FDS * 4} in the shell that starts it) or open fewer.`
  );
}
