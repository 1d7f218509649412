// Services of a test file's own, for fault tests that stop and restart them without disturbing the rest of the
// run: a Redis server process, a TCP proxy that can take "the chain" down and bring it back with its state, and
// a platform process that can be killed with SIGKILL.
import { ChildProcess, fork, spawn } from 'node:child_process';
import { createServer, Server, Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

/** A Redis server of the test's own, with nothing on disk: a restart loses everything, as in production here. */
export class RedisServerProcess {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(await freePort());
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** SIGKILL, then a fresh, empty server on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }

  async stop(): Promise<void> {
    const child = this.process;
    // A killed process has a signalCode and no exitCode: it is stopped too.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  private async startProcess(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(async () => {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, `redis-server on ${this.port}`);
  }
}

/** Forwards a port to the chain; down() refuses connections as a dead node would, up() restores them. */
export class ChainProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: URL,
  ) {}

  static async start(targetRpcUrl: string): Promise<ChainProxy> {
    const proxy = new ChainProxy(await freePort(), new URL(targetRpcUrl));
    await proxy.up();
    return proxy;
  }

  get rpcUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The built worker (`npm run build`) as a real process, so a test can kill it at any instant; resolves when ready. */
export async function forkWorker(root: string, env: Record<string, string>): Promise<ChildProcess> {
  const worker = fork(join(root, 'dist/apps/worker/src/main.js'), {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('exit', (code) => reject(new Error(`The worker exited (code ${code}) before it was ready`)));
  });
  return worker;
}

export function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
