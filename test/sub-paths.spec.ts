import { join } from 'node:path';

// @app/<lib>/<path> is for a library's parts that load neither Nest nor the Prisma client: scripts, jest's global
// setup and personas' card import use these instead of the barrels, which load both.
const SUB_PATHS = [
  '@app/common/log-context',
  '@app/database/migrations',
  '@app/prompt/lorebook-keys',
  '@app/settlement/anchor-client',
  '@app/settlement/contract-compiler',
  '@app/settlement/dev-accounts',
  '@app/settlement/dev-chain',
  '@app/testing/test-chain',
  '@app/testing/test-database',
  '@app/testing/test-redis',
];

const HEAVY = [
  '@nestjs/common',
  '@nestjs/core',
  '@prisma/client',
  join(__dirname, '../libs/database/src/generated/prisma/client'),
];

/** The heavy modules that importing `path` loads. */
async function heavyModulesLoadedBy(path: string): Promise<string[]> {
  const loaded: string[] = [];
  await jest.isolateModulesAsync(async () => {
    for (const name of HEAVY) {
      jest.doMock(name, () => {
        loaded.push(name);
        return {};
      });
    }
    // A barrel fails to load with the stubs in place; what it loaded is the answer either way.
    await import(path).catch(() => undefined);
  });
  return loaded;
}

describe('sub-path entry points', () => {
  it.each(SUB_PATHS)('%s loads neither Nest nor the Prisma client', async (path) => {
    expect(await heavyModulesLoadedBy(path)).toEqual([]);
  });

  it('tells a barrel that does', async () => {
    expect(await heavyModulesLoadedBy('@app/database')).not.toEqual([]);
  });
});
