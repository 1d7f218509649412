import type { ClientBase } from 'pg';

/**
 * Character for character prisma-engines' `create_migrations_table` (schema-engine's flavour/postgres.rs), so that
 * `prisma migrate deploy` reads and extends what this runner wrote.
 */
export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

export interface MigrationRecord {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

export async function ensureMigrationsTable(client: ClientBase): Promise<void> {
  const { rows } = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`,
  );
  if (!rows[0].exists) await client.query(CREATE_MIGRATIONS_TABLE);
}

export async function listMigrationRecords(client: ClientBase): Promise<MigrationRecord[]> {
  const { rows } = await client.query<MigrationRecord>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return rows;
}

/** Prisma's end state for the row, written in the migration's own transaction: a crash cannot leave it half-written. */
export async function recordAppliedMigration(
  client: ClientBase,
  record: { id: string; name: string; checksum: string },
): Promise<void> {
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
     VALUES ($1, $2, clock_timestamp(), $3, NULL, now(), 1)`,
    [record.id, record.checksum, record.name],
  );
}

/** A failed row (finished_at NULL, rolled_back_at NULL) is what makes Prisma stop with P3009. */
export async function recordFailedMigration(
  client: ClientBase,
  record: { id: string; name: string; checksum: string; startedAt: Date; logs: string },
): Promise<void> {
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
     VALUES ($1, $2, NULL, $3, $4, $5, 0)`,
    [record.id, record.checksum, record.name, record.logs, record.startedAt],
  );
}
