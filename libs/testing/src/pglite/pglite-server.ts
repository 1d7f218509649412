import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
// The sub-path, as in test-database.ts: the @app/database barrel loads Nest and the Prisma client.
import { applyMigrations, defaultMigrationsDir, findPackageRoot } from '@app/database/migrations';

export interface PgliteServer {
  url: string;
  stop(): Promise<void>;
}

const SCRIPT = join(__dirname, 'serve-pglite.js');
const START_TIMEOUT_MS = 60_000;

/**
 * In-memory PGlite (PostgreSQL 17 in WebAssembly, with `vector`) with the migrations applied; the app reaches it
 * through its usual driver, so the SQL under test is the repositories' own.
 */
export async function startPgliteServer(): Promise<PgliteServer> {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = () => stopChild(child);
  try {
    const port = await readPort(child);
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await applyMigrations({ databaseUrl: url, migrationsDir: defaultMigrationsDir(__dirname) });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error('PGlite did not start within 60 s')), START_TIMEOUT_MS);
    const onExit = (code: number | null) =>
      fail(new Error(`PGlite exited (code ${code}) before it listened`));
    function fail(error: Error): void {
      clearTimeout(timer);
      lines.close();
      reject(error);
    }
    child.once('exit', onExit);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      const { port } = JSON.parse(line) as { port: number };
      resolve(port);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Synchronous (a short child process): jest decides which tests run, and which are skipped, while collecting. */
export function serverHasPgvector(databaseUrl: string): boolean {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1] });
    client.connect()
      .then(() => client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))
      .then((result) => { process.stdout.write(String(result.rowCount)); return client.end(); })
      .catch((error) => { console.error(String(error)); process.exit(2); });`;
  const result = spawnSync(process.execPath, ['-e', probe, databaseUrl], {
    cwd: findPackageRoot(__dirname),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0)
    throw new Error(`Could not ask ${databaseUrl} for pgvector: ${result.stderr || String(result.error)}`);
  return Number(result.stdout) > 0;
}
