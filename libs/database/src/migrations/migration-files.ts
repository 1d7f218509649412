import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MigrationFile {
  /** The folder name, which is what `_prisma_migrations.migration_name` records. */
  name: string;
  script: string;
  checksum: string;
}

/** `<dir>/<name>/migration.sql` files in folder-name order, skipping folders without one, as Prisma does. */
export async function readMigrationFiles(migrationsDir: string): Promise<MigrationFile[]> {
  await assertPostgresqlLockfile(migrationsDir);
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(migrationsDir, name, 'migration.sql'));
      return { name, script: bytes.toString('utf8'), checksum: checksumOf(bytes) };
    }),
  );
}

/** SHA-256 of the file's bytes as 64 lowercase hex digits: schema-connector's `checksum()` in prisma-engines. */
export function checksumOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Old Prisma wrote bytes without zero padding (prisma-engines issue 1887) and still accepts those rows; so do we. */
export function checksumMatches(recorded: string, current: string): boolean {
  if (recorded === current) return true;
  const unpadded = Buffer.from(current, 'hex').reduce((out, byte) => out + byte.toString(16), '');
  return recorded === unpadded;
}

// Prisma refuses to apply migrations written for another provider (error_on_changed_provider).
async function assertPostgresqlLockfile(migrationsDir: string): Promise<void> {
  const lockfile = join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lockfile)) return;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(await readFile(lockfile, 'utf8'))?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new Error(
      `${lockfile} says the migrations were written for "${provider}", but this database is PostgreSQL`,
    );
  }
}
