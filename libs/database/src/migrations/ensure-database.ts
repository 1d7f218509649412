import { Client, type DatabaseError } from 'pg';
import { databaseNameOf, quoteIdentifier, withDatabaseName } from './database-url';

const INVALID_CATALOG_NAME = '3D000'; // "database does not exist"
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505'; // two concurrent CREATE DATABASE can also end in this

/** So `npm start` works on a fresh machine. Tries the database first: the `postgres` database may be off limits. */
export async function ensureDatabase(databaseUrl: string): Promise<{ database: string; created: boolean }> {
  const database = databaseNameOf(databaseUrl);
  if (await canConnect(databaseUrl)) return { database, created: false };

  const admin = new Client({ connectionString: withDatabaseName(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    return { database, created: true };
  } catch (error) {
    if (isPgError(error, DUPLICATE_DATABASE) || isPgError(error, UNIQUE_VIOLATION)) {
      return { database, created: false };
    }
    throw error;
  } finally {
    await admin.end();
  }
}

async function canConnect(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    if (isPgError(error, INVALID_CATALOG_NAME)) return false;
    throw error;
  }
}

// Duck-typed rather than `instanceof`: jest gives every test file its own copy of pg's classes.
export function isPgError(error: unknown, code: string): error is DatabaseError {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
