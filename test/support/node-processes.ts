import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { listNodes as listAllNodes } from '../../scripts/cluster-nodes';
import { freePort } from './isolated-services';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

/** A node as GET /v1/nodes lists it. */
export interface ListedNode {
  id: string;
  name: string;
  address: string;
  status: string;
  healthy: boolean;
  modelIds: string[];
  operator: string | null;
  attestationKind: string;
  lastHeartbeatAt: string | null;
}

/** A node's own GET /health. */
export interface NodeHealth {
  status: string;
  nodeId: string | null;
  address: string;
  outstanding: number;
}

export interface NodeProcess {
  readonly name: string;
  readonly url: string;
  readonly listed: ListedNode;
  readonly child: ChildProcess;
  /** Everything the process wrote, for a failure message. */
  output(): string;
  health(): Promise<NodeHealth>;
  /** SIGSTOP: the process holds its connections open but answers nothing, like a stalled node. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Sends the signal and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Kills it if still running, revokes it (the run's later files share the database, and their apis would count its
   * last heartbeat as healthy for 3 × their own interval) and removes its data dir.
   */
  dispose(): Promise<void>;
}

/** The node process runs from dist/: build it once per test file. */
export function buildNodeProcess(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
}

/** Every listed node, all pages: the run's database holds the nodes of every file before this one. */
export function listNodes(apiUrl: string): Promise<ListedNode[]> {
  return listAllNodes<ListedNode>(apiUrl);
}

/**
 * Spawns `dist/apps/node/src/main.js` as an operator would, with its own port and data dir, and waits until the api
 * lists it healthy: registered, heartbeating, and past the api's liveness probe (docs/network.md). `args` are further
 * flags (`--model-id`, `--heartbeat-ms`, …).
 */
export async function startNodeProcess(
  apiUrl: string,
  operatorKey: string,
  args: string[] = [],
): Promise<NodeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'twinproof-node-'));
  const port = await freePort();
  const name = `e2e-node-${randomUUID().slice(0, 8)}`;
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/apps/node/src/main.js'),
      ...['--api', apiUrl, '--operator-key', operatorKey],
      ...['--listen', String(port), '--host', '127.0.0.1', '--name', name, '--data-dir', dataDir],
      ...args,
    ],
    { env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // A test process that exits without its afterAll must not leave a node heartbeating.
  const killOnExit = (): void => {
    if (running()) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (running()) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    const registered = (await listNodes(apiUrl)).find((n) => n.name === name);
    if (registered && registered.status !== 'revoked')
      await request(apiUrl)
        .delete(`/v1/nodes/${registered.id}`)
        .set({ Authorization: `Bearer ${operatorKey}` })
        .expect(204);
  };

  let listed: ListedNode | undefined;
  await waitFor(
    async () => {
      listed = (await listNodes(apiUrl)).find((n) => n.name === name && n.healthy);
      return listed !== undefined;
    },
    `node ${name} to register, heartbeat and pass the api’s liveness probe`,
    30_000,
  ).catch(async (error: unknown) => {
    await stop().catch(() => undefined);
    throw new Error(`${String(error)}\nnode output:\n${output.join('')}`);
  });

  return {
    name,
    url,
    listed: listed!,
    child,
    output: () => output.join(''),
    health: async () => (await (await fetch(`${url}/health`)).json()) as NodeHealth,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    kill: async (signal = 'SIGKILL') => {
      if (running()) child.kill(signal);
      await exited;
    },
    dispose: stop,
  };
}

/** Starts `count` nodes at once; if one fails to come up, the others are disposed before the error is thrown. */
export async function startNodeProcesses(
  count: number,
  apiUrl: string,
  operatorKey: string,
  args: string[] = [],
): Promise<NodeProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startNodeProcess(apiUrl, operatorKey, args)),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (!failed) return nodes;
  await Promise.all(nodes.map((node) => node.dispose().catch(() => undefined)));
  throw failed.reason;
}

/**
 * The one node among `nodes` running an inference now, found by its /health's `outstanding` as soon as the
 * request reaches it (polled often: the caller may need to act before its first token).
 */
export async function nodeServingNow(nodes: NodeProcess[], timeoutMs = 5_000): Promise<NodeProcess> {
  let serving: NodeProcess[] = [];
  await waitFor(
    async () => {
      const healths = await Promise.all(nodes.map((node) => node.health()));
      serving = nodes.filter((_, i) => healths[i].outstanding > 0);
      return serving.length > 0;
    },
    'a node to receive the inference',
    timeoutMs,
    20,
  );
  if (serving.length !== 1) throw new Error(`${serving.length} nodes are serving at once; expected one`);
  return serving[0];
}
