import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest folder at or above `startDir` that holds a package.json: the repository root both from the
 * TypeScript sources and from their swc build in dist/, which keeps no package.json of its own.
 */
export function findPackageRoot(startDir: string): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json found in ${startDir} or above it`);
  }
}

/** `prisma/migrations` of the repository that contains `startDir`. */
export function defaultMigrationsDir(startDir: string): string {
  return join(findPackageRoot(startDir), 'prisma', 'migrations');
}
