import { serverHasPgvector, startPgliteServer } from './pglite-server';

export interface PgvectorTarget {
  name: string;
  /** Decided while jest collects the tests: a target that cannot run is reported skipped, never passed. */
  runs: boolean;
  start(): Promise<{ overrides: Record<string, string>; stop(): Promise<void> }>;
}

/**
 * Always PGlite (it ships the extension), and the run's own server when it has pgvector (Debian 12's PostgreSQL 15
 * packages none, so there those tests are reported skipped).
 */
export function pgvectorTargets(): PgvectorTarget[] {
  const runDatabase = process.env.DATABASE_URL;
  if (!runDatabase) throw new Error('DATABASE_URL is not set: run the tests through jest (its global setup)');
  return [
    {
      name: 'PGlite with pgvector',
      runs: true,
      async start() {
        const server = await startPgliteServer();
        // PGlite runs one statement at a time: more connections would only queue.
        return {
          overrides: { DATABASE_URL: server.url, DATABASE_POOL_SIZE: '4' },
          stop: () => server.stop(),
        };
      },
    },
    {
      name: "the run's PostgreSQL server",
      runs: serverHasPgvector(runDatabase),
      start: () => Promise.resolve({ overrides: {}, stop: () => Promise.resolve() }),
    },
  ];
}
