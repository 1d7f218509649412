import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
// The sub-path, not the barrel, which also loads Nest and the Prisma client that jest's global setup does not need.
import {
  applyMigrations,
  defaultMigrationsDir,
  quoteIdentifier,
  withDatabaseName,
} from '@app/database/migrations';

export interface TestDatabase {
  name: string;
  url: string;
}

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const NAME_PATTERN = /^twinproof_test_([0-9a-z]+)_([0-9a-f]{8})$/;
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** The server test databases live on; TEST_DATABASE_ADMIN_URL points elsewhere (test tooling only). */
export function testDatabaseAdminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL;
}

/** The creation time is in the name, so databases left by aborted runs are recognised as stale without bookkeeping. */
export function newTestDatabaseName(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(36);
  return `twinproof_test_${seconds}_${randomBytes(4).toString('hex')}`;
}

export function testDatabaseUrl(name: string): string {
  return withDatabaseName(testDatabaseAdminUrl(), name);
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = newTestDatabaseName();
  await withAdminClient((admin) => admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = testDatabaseUrl(name);
  try {
    await applyMigrations({ databaseUrl: url, migrationsDir: defaultMigrationsDir(__dirname) });
  } catch (error) {
    await dropTestDatabase(name);
    throw error;
  }
  return { name, url };
}

export async function dropTestDatabase(name: string): Promise<void> {
  // Refuses anything but a test database: one wrong argument must not drop real data.
  if (!NAME_PATTERN.test(name)) throw new Error(`Refusing to drop ${name}: not a twinproof_test_* database`);
  await withAdminClient((admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
  );
}

/** Drops test databases older than six hours, which only runs that were killed leave behind. */
export async function dropStaleTestDatabases(now: Date = new Date()): Promise<string[]> {
  const { rows } = await withAdminClient((admin) =>
    admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'twinproof\\_test\\_%'`,
    ),
  );
  const stale = rows.map((row) => row.datname).filter((name) => isStale(name, now));
  for (const name of stale) await dropTestDatabase(name);
  return stale;
}

function isStale(name: string, now: Date): boolean {
  const match = NAME_PATTERN.exec(name);
  if (!match) return false;
  return now.getTime() - parseInt(match[1], 36) * 1000 > STALE_AFTER_MS;
}

async function withAdminClient<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: testDatabaseAdminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
