// Runs once before the whole jest run: one fresh, migrated database and one Redis key prefix for the run.
// The settings go into process.env, which every test worker inherits and AppConfig reads.
// Sub-paths, not the @app/testing barrel: the barrel's factories pull in the domain libs (Nest, Prisma
// client), which the setup does not need and should not break on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, dropStaleTestDatabases } from '@app/testing/test-database';
import { startTestChain, TestChain } from '@app/testing/test-chain';

// Must cover jest.config.js's maxWorkers: each worker anchors with its own authorized account.
const ANCHORING_WORKERS = 8;

declare global {
  // Handed from this setup to the teardown, which jest runs in the same context.
  var twinproofTestChain: TestChain | undefined;
}

// jest calls the module's default export; this is the one default export the code base needs.
export default async function globalSetup(): Promise<void> {
  try {
    const dropped = await dropStaleTestDatabases();
    if (dropped.length > 0)
      console.log(`\nDropped ${dropped.length} stale test database(s): ${dropped.join(', ')}`);
  } catch (error) {
    console.warn(`\nCould not look for stale test databases: ${String(error)}`);
  }

  const database = await createTestDatabase().catch((error: unknown) => {
    throw new Error(
      `Could not create the test database: ${String(error)}. The tests need PostgreSQL at ` +
        'TEST_DATABASE_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres).',
    );
  });
  process.env.NODE_ENV = 'test';
  process.env.DATABASE_URL = database.url;
  process.env.TWINPROOF_TEST_DB = database.name;
  // The database name is unique per run and uses only characters REDIS_PREFIX allows.
  process.env.REDIS_PREFIX = database.name;
  process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  // Keys the platform keeps on disk (node key, dev attestation CA) go to a directory of the run's own.
  process.env.DATA_DIR = mkdtempSync(join(tmpdir(), 'twinproof-test-'));
  const testChain = await startTestChain(ANCHORING_WORKERS);
  globalThis.twinproofTestChain = testChain;
  process.env.CHAIN_RPC_URL = testChain.chain.rpcUrl;
  process.env.CHAIN_PUBLIC_RPC_URL = testChain.chain.rpcUrl;
  process.env.ANCHOR_CONTRACT = testChain.anchorContract;
}
