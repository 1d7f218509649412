// `npm run start:cluster` for real: the built launcher migrates, runs the api, the worker and three node processes
// under three operator accounts it signs up, and supervises them all. Here it runs on the test run's database and
// chain, with a DATA_DIR of its own, and one of its nodes is killed.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Supervisor } from '../scripts/supervisor';
import { freePort } from './support/isolated-services';
import { listNodes, ListedNode } from './support/node-processes';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');
const NAMES = ['cluster-node-1', 'cluster-node-2', 'cluster-node-3'];

jest.setTimeout(180_000);

interface Listed extends ListedNode {
  operator: string;
  lastHeartbeatAt: string;
}

describe('npm run start:cluster (e2e)', () => {
  let launcher: ChildProcess;
  /** When the launcher said the cluster was up (ms since the epoch). */
  let upAt = 0;
  let apiUrl: string;
  let dataDir: string;
  const output: string[] = [];
  let operators: { handle: string; apiKey: string }[] = [];

  const clusterNodes = async (): Promise<Listed[]> =>
    ((await listNodes(apiUrl)) as Listed[]).filter((node) => NAMES.includes(node.name));

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'twinproof-cluster-'));
    // Three ports in a row from a free one: the launcher gives node N the port CLUSTER_NODE_PORT + N - 1.
    const nodePort = await freePort();
    // Unset, as for a user who just runs it: the launcher decides (off).
    const env = { ...process.env };
    delete env.NODE_IN_PROCESS;
    launcher = spawn(process.execPath, [join(ROOT, 'dist/scripts/start-cluster.js')], {
      cwd: ROOT,
      env: {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        CLUSTER_NODE_PORT: String(nodePort),
        // The whole run signs up from 127.0.0.1 into one Redis prefix: the launcher's three sign-ups must not hit
        // the per-address limit other files have used up (a user's first start is far below it).
        SIGNUP_RATE_LIMIT_PER_HOUR: '100000',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await waitFor(
      async () => {
        if (launcher.exitCode !== null) throw new Error(`the launcher exited:\n${output.join('')}`);
        return output.join('').includes('Twinproof is running as a cluster');
      },
      'the cluster to come up',
      150_000,
      250,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output.join('').slice(-4000)}`);
    });
    upAt = Date.now();
    operators = (
      JSON.parse(readFileSync(join(dataDir, 'cluster-operators.json'), 'utf8')) as {
        operators: typeof operators;
      }
    ).operators;
  }, 200_000);

  afterAll(async () => {
    // Revoke the three nodes (the run's later files share this database), then stop the launcher and all it runs.
    const nodes = await clusterNodes().catch(() => [] as Listed[]);
    for (const node of nodes) {
      const operator = operators.find((o) => o.handle === node.operator);
      if (operator && node.status !== 'revoked')
        await request(apiUrl)
          .delete(`/v1/nodes/${node.id}`)
          .set({ Authorization: `Bearer ${operator.apiKey}` });
    }
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
      launcher.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('serves from three healthy nodes of three operators, with the in-process node off, and says so', async () => {
    const nodes = await clusterNodes();
    expect(nodes.map((node) => node.name).sort()).toEqual(NAMES);
    expect(nodes.every((node) => node.healthy && node.status === 'active')).toBe(true);
    expect(new Set(nodes.map((node) => node.operator)).size).toBe(3);
    expect(nodes.map((node) => node.operator).sort()).toEqual(operators.map((o) => o.handle).sort());
    // Nothing else answers: the api's own node is not registered when NODE_IN_PROCESS is off. Had it registered, it
    // would heartbeat every NODE_HEARTBEAT_MS (5 s); nodes of earlier files share the run's database, but their apis
    // are closed, so none without an operator heartbeats after the cluster came up.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, upAt + 6_000 - Date.now())));
    const inProcess = (await listNodes(apiUrl)).filter(
      (node) => node.operator === null && Date.parse(node.lastHeartbeatAt ?? '') > upAt,
    );
    expect(inProcess).toEqual([]);
    expect(output.join('')).toContain('NODE_IN_PROCESS=false');
    // The operator keys are readable only by their owner.
    expect(statSync(join(dataDir, 'cluster-operators.json')).mode & 0o777).toBe(0o600);
  });

  it('restarts a killed node with the same key, and the api lists it healthy again', async () => {
    const before = (await clusterNodes()).find((node) => node.name === 'cluster-node-2')!;
    const pid = Number(
      execFileSync('pgrep', [
        '-f',
        '--',
        `--name cluster-node-2 --data-dir ${join(dataDir, 'cluster', 'node-2')}`,
      ])
        .toString()
        .trim()
        .split('\n')[0],
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => output.join('').includes('cluster-node-2 is starting again'),
      'the launcher to restart the node',
      30_000,
    );
    const killedAt = Date.now();
    await waitFor(
      async () => {
        const node = (await clusterNodes()).find((n) => n.name === 'cluster-node-2');
        return !!node?.healthy && Date.parse(node.lastHeartbeatAt) > killedAt;
      },
      'the restarted node to heartbeat',
      60_000,
      250,
    );
    const after = (await clusterNodes()).find((node) => node.name === 'cluster-node-2')!;
    expect(after.id).toBe(before.id);
    expect(after.address).toBe(before.address);
  });
});

describe('Supervisor stop of some processes', () => {
  it('stops only the named ones, does not restart them, and keeps restarting the others', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({ log: (line) => lines.push(line), initialBackoffMs: 20 });
    const sleeper = (): ChildProcess => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const node = supervisor.add('node', sleeper);
    const api = supervisor.add('api', sleeper);
    await supervisor.stop(5_000, ['node']);
    expect(node.signalCode).toBe('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Not started again: the entry still holds the process that was stopped.
    expect(supervisor.current('node')).toBe(node);
    expect(api.exitCode).toBeNull();
    // The api, not stopped, is still supervised: killed, it comes back.
    api.kill('SIGKILL');
    await waitFor(async () => (supervisor.current('api')?.pid ?? api.pid) !== api.pid, 'the api to restart');
    await supervisor.stop();
    expect(lines.join('\n')).not.toMatch(/The node exited/);
  });

  it('gives up on a process that keeps crashing alone when asked to, and keeps the others running', async () => {
    const lines: string[] = [];
    let gaveUp = false;
    const supervisor = new Supervisor({
      log: (line) => lines.push(line),
      initialBackoffMs: 10,
      maxBackoffMs: 20,
      maxQuickCrashes: 3,
      onGiveUp: () => (gaveUp = true),
    });
    const api = supervisor.add('api', () => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']));
    supervisor.add('node', () => spawn(process.execPath, ['-e', 'process.exit(1)']), undefined, {
      givesUpAlone: true,
    });
    await waitFor(
      async () => lines.some((line) => /not starting it again/.test(line)),
      'the node to be given up',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gaveUp).toBe(false);
    expect(api.exitCode).toBeNull();
    expect(lines.filter((line) => /The node exited/.test(line))).toHaveLength(4);
    await supervisor.stop();
  });
});
