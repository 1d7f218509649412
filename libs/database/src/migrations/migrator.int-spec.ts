import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase, newTestDatabaseName, testDatabaseUrl } from '@app/testing';
import { ensureDatabase } from './ensure-database';
import { applyMigrations } from './migrator';
import { defaultMigrationsDir } from './package-root';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('applyMigrations', () => {
  let migrationsDir: string;
  let name: string;
  let url: string;

  beforeEach(async () => {
    migrationsDir = await mkdtemp(join(tmpdir(), 'twinproof-migrations-'));
    name = newTestDatabaseName();
    url = testDatabaseUrl(name);
  });

  afterEach(async () => {
    await dropTestDatabase(name);
    await rm(migrationsDir, { recursive: true, force: true });
  });

  async function addMigration(folder: string, sql: string): Promise<void> {
    await mkdir(join(migrationsDir, folder));
    await writeFile(join(migrationsDir, folder, 'migration.sql'), sql);
  }

  async function query<T extends object>(sql: string): Promise<T[]> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('creates the database once and applies migrations in folder order, recorded as Prisma records them', async () => {
    const first = 'CREATE TABLE "Thing" ("id" INTEGER NOT NULL);\n';
    const second = 'ALTER TABLE "Thing" ADD COLUMN "name" TEXT;\n';
    await addMigration('20240102000000_second', second);
    await addMigration('20240101000000_first', first);

    expect(await ensureDatabase(url)).toEqual({ database: name, created: true });
    expect(await ensureDatabase(url)).toEqual({ database: name, created: false });
    expect(await applyMigrations({ databaseUrl: url, migrationsDir })).toEqual({
      applied: ['20240101000000_first', '20240102000000_second'],
      skipped: [],
    });

    const rows = await query<Record<string, unknown>>(
      'SELECT * FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual([
      expect.objectContaining({ migration_name: '20240101000000_first', checksum: sha256(first) }),
      expect.objectContaining({ migration_name: '20240102000000_second', checksum: sha256(second) }),
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });

  it('creates _prisma_migrations with the column layout of prisma-engines', async () => {
    await ensureDatabase(url);
    await applyMigrations({ databaseUrl: url, migrationsDir });
    const columns = await query(`
      SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
        FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`);
    const column = (
      name: string,
      type: string,
      length: number | null,
      nullable: string,
      dflt: string | null,
    ) => ({
      column_name: name,
      data_type: type,
      length,
      is_nullable: nullable,
      column_default: dflt,
    });
    expect(columns).toEqual([
      column('id', 'character varying', 36, 'NO', null),
      column('checksum', 'character varying', 64, 'NO', null),
      column('finished_at', 'timestamp with time zone', null, 'YES', null),
      column('migration_name', 'character varying', 255, 'NO', null),
      column('logs', 'text', null, 'YES', null),
      column('rolled_back_at', 'timestamp with time zone', null, 'YES', null),
      column('started_at', 'timestamp with time zone', null, 'NO', 'now()'),
      column('applied_steps_count', 'integer', null, 'NO', '0'),
    ]);
  });

  it('skips what is recorded and applies only what is new', async () => {
    await ensureDatabase(url);
    await addMigration('20240101000000_first', 'CREATE TABLE "Thing" ("id" INTEGER);\n');
    await applyMigrations({ databaseUrl: url, migrationsDir });
    await addMigration('20240102000000_second', 'CREATE TABLE "Other" ("id" INTEGER);\n');

    expect(await applyMigrations({ databaseUrl: url, migrationsDir })).toEqual({
      applied: ['20240102000000_second'],
      skipped: ['20240101000000_first'],
    });
  });

  it('refuses to go on when an applied migration was edited', async () => {
    await ensureDatabase(url);
    await addMigration('20240101000000_first', 'CREATE TABLE "Thing" ("id" INTEGER);\n');
    await applyMigrations({ databaseUrl: url, migrationsDir });
    await writeFile(
      join(migrationsDir, '20240101000000_first', 'migration.sql'),
      'CREATE TABLE "Thing" ();\n',
    );

    await expect(applyMigrations({ databaseUrl: url, migrationsDir })).rejects.toThrow(
      /Migration 20240101000000_first was modified after it was applied/,
    );
  });

  it('rolls a failing migration back, records it as failed and blocks until it is resolved', async () => {
    await ensureDatabase(url);
    await addMigration('20240101000000_broken', 'CREATE TABLE "Thing" ("id" INTEGER);\nSELEC 1;\n');

    await expect(applyMigrations({ databaseUrl: url, migrationsDir })).rejects.toThrow(
      'Migration 20240101000000_broken failed and was rolled back: ERROR 42601 syntax error at or near "SELEC" (line 2)',
    );
    expect(await query(`SELECT to_regclass('"Thing"') AS thing`)).toEqual([{ thing: null }]);
    const failed = await query<{ logs: string }>(
      'SELECT migration_name, finished_at, applied_steps_count, logs FROM _prisma_migrations',
    );
    expect(failed).toEqual([
      expect.objectContaining({
        migration_name: '20240101000000_broken',
        finished_at: null,
        applied_steps_count: 0,
      }),
    ]);
    expect(failed[0].logs).toContain('syntax error at or near "SELEC"');

    // Fixing the file is not enough: like Prisma (P3009), the failure must be resolved first.
    await writeFile(
      join(migrationsDir, '20240101000000_broken', 'migration.sql'),
      'CREATE TABLE "Thing" ("id" INTEGER);\n',
    );
    await expect(applyMigrations({ databaseUrl: url, migrationsDir })).rejects.toThrow(
      /found failed migrations[\s\S]*The `20240101000000_broken` migration started at .* failed with the following logs/,
    );

    await query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL`);
    expect(await applyMigrations({ databaseUrl: url, migrationsDir })).toEqual({
      applied: ['20240101000000_broken'],
      skipped: [],
    });
  });

  it('lets two processes start at once: one migrates, the other waits and finds nothing to do', async () => {
    await ensureDatabase(url);
    await addMigration(
      '20240101000000_first',
      'CREATE TABLE "Thing" ("id" INTEGER);\nSELECT pg_sleep(0.2);\n',
    );
    await addMigration('20240102000000_second', 'CREATE TABLE "Other" ("id" INTEGER);\n');

    const results = await Promise.all([
      applyMigrations({ databaseUrl: url, migrationsDir }),
      applyMigrations({ databaseUrl: url, migrationsDir }),
    ]);

    expect(results.flatMap((result) => result.applied).sort()).toEqual([
      '20240101000000_first',
      '20240102000000_second',
    ]);
    expect(await query('SELECT count(*)::int AS n FROM _prisma_migrations')).toEqual([{ n: 2 }]);
  });
});

describe('the project migrations', () => {
  it('are recorded under their folder names with the SHA-256 of migration.sql', async () => {
    const database = await createTestDatabase();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name',
      );
      const dir = defaultMigrationsDir(__dirname);
      const init = await readFile(join(dir, '20261125000000_init', 'migration.sql'), 'utf8');
      expect(rows[0]).toEqual({ migration_name: '20261125000000_init', checksum: sha256(init) });
    } finally {
      await client.end();
      await dropTestDatabase(database.name);
    }
  });
});
