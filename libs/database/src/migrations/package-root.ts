import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root from both the sources and their swc build in dist/, which has no package.json of its own. */
export function findPackageRoot(startDir: string): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json found in ${startDir} or above it`);
  }
}

export function defaultMigrationsDir(startDir: string): string {
  return join(findPackageRoot(startDir), 'prisma', 'migrations');
}
