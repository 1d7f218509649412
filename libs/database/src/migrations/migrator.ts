import { randomUUID } from 'node:crypto';
import { Client, type ClientBase } from 'pg';
import { checksumMatches, readMigrationFiles, type MigrationFile } from './migration-files';
import {
  describeScriptError,
  failedMigrationsError,
  MigrationError,
  modifiedMigrationError,
} from './migration-errors';
import {
  ensureMigrationsTable,
  listMigrationRecords,
  recordAppliedMigration,
  recordFailedMigration,
  type MigrationRecord,
} from './migrations-table';

/** The advisory lock key Prisma Migrate takes (postgres.rs, acquire_lock), so the two never run at once. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  migrationsDir: string;
  log?: (line: string) => void;
}

export interface ApplyMigrationsResult {
  applied: string[];
  skipped: string[];
}

/** As `prisma migrate deploy` does, recorded in Prisma's format, so either tool can take over from the other. */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const log = options.log ?? (() => undefined);
  const files = await readMigrationFiles(options.migrationsDir);
  const client = new Client({ connectionString: options.databaseUrl });
  // A dropped connection fails the running query; without a listener it would also crash the process.
  client.on('error', (error) => log(`Database connection error: ${error.message}`));
  await client.connect();
  try {
    await lock(client, log);
    await ensureMigrationsTable(client);
    const records = await listMigrationRecords(client);
    return await applyPending(client, files, records, log);
  } finally {
    // Ending the session releases the advisory lock too; unlocking first just frees it sooner.
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function lock(client: ClientBase, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    PRISMA_MIGRATE_LOCK_KEY,
  ]);
  if (rows[0].locked) return;
  log('Another process is migrating this database; waiting for it to finish');
  await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
}

async function applyPending(
  client: ClientBase,
  files: MigrationFile[],
  records: MigrationRecord[],
  log: (line: string) => void,
): Promise<ApplyMigrationsResult> {
  const failed = records.filter((record) => record.finished_at === null && record.rolled_back_at === null);
  if (failed.length > 0) throw failedMigrationsError(failed);

  // A migration marked rolled back (`prisma migrate resolve --rolled-back`) is applied again, as Prisma does.
  const live = new Map(records.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
  for (const name of live.keys()) {
    if (!files.some((file) => file.name === name)) {
      log(`Warning: ${name} is recorded as applied but has no folder in the migrations directory`);
    }
  }

  const result: ApplyMigrationsResult = { applied: [], skipped: [] };
  for (const file of files) {
    const record = live.get(file.name);
    if (record) {
      if (!checksumMatches(record.checksum, file.checksum)) {
        throw modifiedMigrationError(file.name, record.checksum, file.checksum);
      }
      result.skipped.push(file.name);
      continue;
    }
    await applyOne(client, file, log);
    result.applied.push(file.name);
  }
  return result;
}

async function applyOne(client: ClientBase, file: MigrationFile, log: (line: string) => void): Promise<void> {
  const id = randomUUID();
  const startedAt = new Date();
  log(`Applying ${file.name}`);
  try {
    await client.query('BEGIN');
    // One simple-protocol query runs the whole multi-statement script, as the schema engine sends it.
    await client.query(file.script);
    await recordAppliedMigration(client, { id, name: file.name, checksum: file.checksum });
    await client.query('COMMIT');
  } catch (error) {
    const logs = describeScriptError(error, file.script);
    await client.query('ROLLBACK').catch(() => undefined);
    // Recorded after the rollback, so the failure survives it and blocks later runs as in Prisma.
    const recorded = await recordFailedMigration(client, {
      id,
      name: file.name,
      checksum: file.checksum,
      startedAt,
      logs,
    }).then(
      () => '',
      (recordError: unknown) => ` (and recording the failure failed too: ${String(recordError)})`,
    );
    throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${logs}${recorded}`);
  }
  log(`Applied ${file.name} in ${Date.now() - startedAt.getTime()} ms`);
}
