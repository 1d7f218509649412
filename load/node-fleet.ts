import { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterNode, spawnClusterNode, waitForHealthyNodes } from '../scripts/cluster-nodes';

/** One SIGKILL and what followed it. */
export interface Replacement {
  name: string;
  /** Seconds since the measured window opened. */
  atS: number;
  /** SIGKILL → the new process answers its /health at all: booted and listening, not yet registered. */
  listeningMs?: number;
  /** SIGKILL → the new process's own /health says `active`: it has registered again and can be routed to. */
  replacedMs?: number;
}

const REPLACE_WAIT_MS = 30_000;

/**
 * The benchmark's node processes: started as `npm run node` would start them, killed with SIGKILL on command and
 * started again at once with the same key and port. Their logs go to files (a killed node's last words included),
 * not into the report.
 */
export class NodeFleet {
  private readonly children: (ChildProcess | undefined)[] = [];

  constructor(
    private readonly root: string,
    private readonly apiUrl: string,
    readonly nodes: readonly ClusterNode[],
    private readonly logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  async start(timeoutMs: number): Promise<void> {
    this.nodes.forEach((_, i) => this.spawn(i));
    await waitForHealthyNodes(
      this.apiUrl,
      this.nodes.map((node) => node.name),
      timeoutMs,
    );
  }

  /** SIGKILL node `index`, start it again, and time until it has registered again. */
  async killAndReplace(index: number, windowStartAt: number): Promise<Replacement> {
    const node = this.nodes[index];
    const killedAt = performance.now();
    const replacement: Replacement = { name: node.name, atS: (killedAt - windowStartAt) / 1000 };
    const child = this.children[index];
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    this.spawn(index);
    const deadline = killedAt + REPLACE_WAIT_MS;
    while (performance.now() < deadline) {
      const status = await this.status(node);
      if (status !== undefined) replacement.listeningMs ??= Math.round(performance.now() - killedAt);
      if (status === 'active') {
        replacement.replacedMs = Math.round(performance.now() - killedAt);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return replacement;
  }

  /** SIGTERM to every node (they drain), SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  private spawn(index: number): void {
    const node = this.nodes[index];
    const log = openSync(join(this.logDir, `${node.name}.log`), 'a');
    const child = spawnClusterNode(this.root, this.apiUrl, node, {
      stdio: ['ignore', log, log],
      env: { LOG_FORMAT: 'json', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    // The child holds its own copy of the descriptor.
    closeSync(log);
    this.children[index] = child;
  }

  private async status(node: ClusterNode): Promise<string | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${node.port}/health`, {
        signal: AbortSignal.timeout(1_000),
      });
      return ((await response.json()) as { status?: string }).status;
    } catch {
      return undefined;
    }
  }
}
