// Runs once after the whole jest run: removes the run's database and Redis keys. Cleanup problems are
// logged, never thrown, so they cannot turn a green run red; stale databases are swept by the next setup.
// Sub-paths, not the @app/testing barrel, for the reason given in jest.global-setup.ts.
import { dropTestDatabase } from '@app/testing/test-database';
import { deleteRedisKeysWithPrefix } from '@app/testing/test-redis';
import { rmSync } from 'node:fs';

// jest calls the module's default export.
export default async function globalTeardown(): Promise<void> {
  const name = process.env.TWINPROOF_TEST_DB;
  const redisUrl = process.env.REDIS_URL;
  const prefix = process.env.REDIS_PREFIX;

  await globalThis.twinproofTestChain?.chain.stop().catch(() => undefined);
  const dataDir = process.env.DATA_DIR;
  if (dataDir?.includes('twinproof-test-')) rmSync(dataDir, { recursive: true, force: true });
  if (name) {
    await dropTestDatabase(name).catch((error: unknown) =>
      console.warn(`Could not drop test database ${name}: ${String(error)}`),
    );
  }
  if (redisUrl && prefix && prefix === name) {
    await deleteRedisKeysWithPrefix(redisUrl, prefix).catch((error: unknown) =>
      console.warn(`Could not delete Redis keys under ${prefix}: ${String(error)}`),
    );
  }
}
