import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeScriptError } from './migration-errors';
import { checksumMatches, checksumOf, readMigrationFiles } from './migration-files';
import { defaultIndexName, foreignKeyName, primaryKeyName } from './prisma-names';

describe('migration checksums', () => {
  it('are the SHA-256 hex digest prisma-engines computes (its own test vector)', () => {
    expect(checksumOf(Buffer.from('hello'))).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });

  it('also accept the unpadded form old Prisma versions recorded', () => {
    const current = checksumOf(Buffer.from('hello'));
    expect(checksumMatches('2cf24dba5fb0a3e26e83b2ac5b9e29e1b161e5c1fa7425e7343362938b9824', current)).toBe(
      true,
    );
    expect(checksumMatches(checksumOf(Buffer.from('hello!')), current)).toBe(false);
  });
});

describe('readMigrationFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'twinproof-migration-files-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function folder(name: string, sql?: string): Promise<void> {
    await mkdir(join(dir, name));
    if (sql !== undefined) await writeFile(join(dir, name, 'migration.sql'), sql);
  }

  it('lists migrations in folder-name order and skips folders without migration.sql', async () => {
    await folder('20240102000000_b', 'SELECT 2;');
    await folder('20240101000000_a', 'SELECT 1;');
    await folder('20240103000000_empty');
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');

    const files = await readMigrationFiles(dir);

    expect(files.map((file) => file.name)).toEqual(['20240101000000_a', '20240102000000_b']);
    expect(files[0]).toMatchObject({ script: 'SELECT 1;', checksum: checksumOf(Buffer.from('SELECT 1;')) });
  });

  it('refuses migrations written for another provider, as Prisma does', async () => {
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
    await expect(readMigrationFiles(dir)).rejects.toThrow(/written for "mysql".*PostgreSQL/);
  });
});

describe('describeScriptError', () => {
  it('names the Postgres error code and the line of the script it points at', () => {
    const script = 'CREATE TABLE "A" ("id" INTEGER);\nSELEC 1;\n';
    const error = Object.assign(new Error('syntax error at or near "SELEC"'), {
      code: '42601',
      position: '34',
    });
    expect(describeScriptError(error, script)).toBe('ERROR 42601 syntax error at or near "SELEC" (line 2)');
  });
});

describe("Prisma's default constraint names", () => {
  it('follow {table}_{columns}_{suffix} and cut the front part to fit 63 characters', () => {
    expect(primaryKeyName('Persona')).toBe('Persona_pkey');
    expect(defaultIndexName('Persona', ['visibility', 'createdAt'], '_idx')).toBe(
      'Persona_visibility_createdAt_idx',
    );
    expect(foreignKeyName('ApiKey', ['userId'])).toBe('ApiKey_userId_fkey');

    const long = defaultIndexName(
      'InferenceRecord',
      ['conversationId', 'personaVersionHash', 'createdAt'],
      '_key',
    );
    expect(long).toBe('InferenceRecord_conversationId_personaVersionHash_createdAt_key');
    expect(long).toHaveLength(63);
  });
});
