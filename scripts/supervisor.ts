import { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  /** Where "exited, restarting" lines go. */
  log: (line: string) => void;
  /** The first restart waits this long; each quick crash after it doubles the wait, up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A process that ran this long before it died starts again from the shortest wait. */
  stableAfterMs?: number;
  /** This many crashes in a row, each before stableAfterMs, and the supervisor gives up on everything. */
  maxQuickCrashes?: number;
  /** Called with the exit code when the supervisor gives up. */
  onGiveUp?: (code: number) => void;
}

interface Supervised {
  name: string;
  start: () => ChildProcess;
  child?: ChildProcess;
  startedAt: number;
  quickCrashes: number;
  restartTimer?: NodeJS.Timeout;
  /** stop() named it: it is not restarted. */
  stopped?: boolean;
  /** Past maxQuickCrashes, give up on this process only (a node), not on everything (the api). */
  givesUpAlone: boolean;
}

export interface SupervisedOptions {
  /**
   * Past maxQuickCrashes, stop restarting this process and keep the others running. A node whose key was revoked
   * exits at every start; it must not take the api and the worker down with it.
   */
  givesUpAlone?: boolean;
}

/**
 * `npm start`'s process supervision: a platform process that dies is started again, after a wait that grows with
 * each quick crash, while the others keep serving (a crashed worker leaves the api up; the api keeps answering
 * and proof work waits in Redis). Only stop() ends them all.
 */
export class Supervisor {
  private readonly processes: Supervised[] = [];
  private stopping = false;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stableAfterMs: number;
  private readonly maxQuickCrashes: number;

  constructor(private readonly options: SupervisorOptions) {
    this.initialBackoffMs = options.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.stableAfterMs = options.stableAfterMs ?? 60_000;
    this.maxQuickCrashes = options.maxQuickCrashes ?? 10;
  }

  /** Starts `start()` now (or watches `running`, already started) and again whenever it exits, until stop(). */
  add(
    name: string,
    start: () => ChildProcess,
    running?: ChildProcess,
    options: SupervisedOptions = {},
  ): ChildProcess {
    const supervised: Supervised = {
      name,
      start,
      startedAt: 0,
      quickCrashes: 0,
      givesUpAlone: options.givesUpAlone ?? false,
    };
    this.processes.push(supervised);
    return this.launch(supervised, running);
  }

  /** The live process of `name`, if it is running. */
  current(name: string): ChildProcess | undefined {
    return this.processes.find((entry) => entry.name === name)?.child;
  }

  /**
   * SIGTERM to every process (SIGKILL after graceMs), and no more restarts. Resolves once all have exited. With
   * `only`, just the processes of those names, and the others keep running and being restarted: the cluster stops
   * its nodes first, so their last heartbeat (draining) still reaches the api.
   */
  async stop(graceMs = 10_000, only?: readonly string[]): Promise<void> {
    if (!only) this.stopping = true;
    const entries = only ? this.processes.filter((entry) => only.includes(entry.name)) : this.processes;
    await Promise.all(
      entries.map(async (entry) => {
        entry.stopped = true;
        clearTimeout(entry.restartTimer);
        const child = entry.child;
        if (!child || hasExited(child)) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  private launch(entry: Supervised, running?: ChildProcess): ChildProcess {
    const child = running ?? entry.start();
    entry.child = child;
    entry.startedAt = Date.now();
    child.once('exit', (code, signal) => this.exited(entry, child, code, signal));
    return child;
  }

  private exited(entry: Supervised, child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.stopping || entry.stopped || entry.child !== child) return;
    entry.child = undefined;
    const ranMs = Date.now() - entry.startedAt;
    entry.quickCrashes = ranMs >= this.stableAfterMs ? 1 : entry.quickCrashes + 1;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (entry.quickCrashes > this.maxQuickCrashes && entry.givesUpAlone) {
      entry.stopped = true;
      this.options.log(
        `${subject(entry.name)} exited (${how}) ${entry.quickCrashes} times in a row; not starting it again. ` +
          'The other processes keep running.',
      );
      return;
    }
    if (entry.quickCrashes > this.maxQuickCrashes) {
      this.options.log(
        `${subject(entry.name)} exited (${how}) ${entry.quickCrashes} times in a row; stopping everything.`,
      );
      void this.stop().then(() => this.options.onGiveUp?.(code ?? 1));
      return;
    }
    const waitMs = Math.min(this.initialBackoffMs * 2 ** (entry.quickCrashes - 1), this.maxBackoffMs);
    this.options.log(
      `${subject(entry.name)} exited (${how}) after ${Math.round(ranMs / 1000)} s; restarting it in ${waitMs} ms ` +
        `(restart ${entry.quickCrashes} in a row). The other processes keep running.`,
    );
    entry.restartTimer = setTimeout(() => {
      if (this.stopping || entry.stopped) return;
      const restarted = this.launch(entry);
      this.options.log(`${subject(entry.name)} is starting again (pid ${restarted.pid}).`);
    }, waitMs);
  }
}

// A role reads as one ("The worker exited"); a process's own name stands alone ("cluster-node-1 exited").
function subject(name: string): string {
  return /^[a-z ]+$/.test(name) ? `The ${name}` : name;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
