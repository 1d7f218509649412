// `npm start` runs the api and the worker as separate processes under scripts/supervisor.ts. Here the built api
// and worker run under it for real, and the worker is killed with SIGKILL.
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { Supervisor } from '../scripts/supervisor';
import { freePort } from './support/isolated-services';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');

jest.setTimeout(90_000);

describe('npm start supervision (e2e)', () => {
  let supervisor: Supervisor;
  let apiUrl: string;
  const lines: string[] = [];
  const readyWorkers: number[] = [];

  beforeAll(async () => {
    // The processes `npm start` forks are the built ones.
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
    supervisor = new Supervisor({ log: (line) => lines.push(line), initialBackoffMs: 100 });
    supervisor.add('api', () => fork(join(ROOT, 'dist/apps/api/src/main.js'), { env }));
    supervisor.add('worker', () => {
      const worker = fork(join(ROOT, 'dist/apps/worker/src/main.js'), { env });
      worker.on('message', () => readyWorkers.push(worker.pid!));
      return worker;
    });
    await waitFor(
      async () => readyWorkers.length === 1 && (await health()) === 200,
      'the api and the worker to start',
      60_000,
    );
  }, 120_000);
  afterAll(() => supervisor?.stop());

  async function health(): Promise<number> {
    return (
      await request(apiUrl)
        .get('/health')
        .catch(() => ({ status: 0 }))
    ).status;
  }

  it('restarts a killed worker while the api keeps serving, and says so', async () => {
    const api = supervisor.current('api')!;
    const first = supervisor.current('worker')!;
    await new Promise<void>((resolve) => {
      first.once('exit', () => resolve());
      first.kill('SIGKILL');
    });
    // The api was not taken down with it.
    expect(await health()).toBe(200);
    await waitFor(async () => readyWorkers.length === 2, 'a new worker to be ready', 60_000);
    expect(readyWorkers[1]).not.toBe(first.pid);
    expect(supervisor.current('worker')?.pid).toBe(readyWorkers[1]);
    expect(supervisor.current('api')).toBe(api);
    expect(api.exitCode).toBeNull();
    expect(await health()).toBe(200);
    expect(lines.join('\n')).toMatch(/The worker exited \(signal SIGKILL\).*restarting it in 100 ms/);
  });
});

describe('Supervisor backoff', () => {
  it('waits longer after each quick crash and gives up after too many in a row', async () => {
    const lines: string[] = [];
    const gaveUp = new Promise<number>((resolve) => {
      const supervisor = new Supervisor({
        log: (line) => lines.push(line),
        initialBackoffMs: 20,
        maxBackoffMs: 60,
        maxQuickCrashes: 4,
        onGiveUp: resolve,
      });
      supervisor.add('crasher', (): ChildProcess => spawn(process.execPath, ['-e', 'process.exit(3)']));
    });
    expect(await gaveUp).toBe(3);
    const waits = lines.flatMap((line) => /restarting it in (\d+) ms/.exec(line)?.[1] ?? []).map(Number);
    expect(waits).toEqual([20, 40, 60, 60]);
    expect(lines.at(-1)).toMatch(/exited \(code 3\) 5 times in a row; stopping everything/);
  });
});
