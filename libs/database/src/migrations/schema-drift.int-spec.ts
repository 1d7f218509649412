import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '@app/testing';
import { findPackageRoot } from './package-root';
import { findDrift } from './schema-drift';

// Guards the promise that prisma/migrations builds exactly what schema.prisma declares: a model change
// without a migration (or a hand-edited migration) fails here, naming what differs.
describe('schema.prisma against prisma/migrations', () => {
  let database: TestDatabase;
  let client: Client;
  let schema: string;

  beforeAll(async () => {
    schema = await readFile(join(findPackageRoot(__dirname), 'prisma', 'schema.prisma'), 'utf8');
    database = await createTestDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    if (database) await dropTestDatabase(database.name);
  });

  it('migrations build exactly the database the schema declares', async () => {
    expect(await findDrift(schema, client)).toEqual([]);
  });

  it('notices a column the migrations lack', async () => {
    const changed = edit(schema, '  handle      String    @unique\n', '$&  nickname    String?\n');
    expect(await findDrift(changed, client)).toEqual([
      'column User.nickname is missing from the database (schema says text NULL)',
    ]);
  });

  it('notices a column the schema no longer declares', async () => {
    const changed = edit(schema, /model User \{[^}]*?\n {2}deletedAt {3}DateTime\?\n/, (m) =>
      m.replace(/ {2}deletedAt.*\n/, ''),
    );
    expect(await findDrift(changed, client)).toEqual([
      'column User.deletedAt exists in the database but not in the schema (timestamp(3) without time zone NULL)',
    ]);
  });

  it('notices a change of nullability, type or default', async () => {
    let changed = edit(
      schema,
      'slug           String            @unique',
      'slug           String?           @unique',
    );
    changed = edit(
      changed,
      'importance      Float       @default(0.5)',
      'importance      Int         @default(1)',
    );
    changed = edit(
      changed,
      'visibility     Visibility        @default(public)',
      'visibility     Visibility        @default(private)',
    );
    expect(await findDrift(changed, client)).toEqual([
      'column Persona.slug: schema says text NULL, database has text NOT NULL',
      "column Persona.visibility: schema says Visibility NOT NULL DEFAULT 'private', database has Visibility NOT NULL DEFAULT 'public'",
      'column Memory.importance: schema says integer NOT NULL DEFAULT 1, database has double precision NOT NULL DEFAULT 0.5',
    ]);
  });

  it('notices an enum value the database lacks', async () => {
    const changed = edit(schema, '  operator\n  admin\n', '  operator\n  admin\n  auditor\n');
    expect(await findDrift(changed, client)).toEqual([
      'enum Role: schema says creator, consumer, operator, admin, auditor; database has creator, consumer, operator, admin',
    ]);
  });

  it('notices an index of the wrong kind, a missing index and a changed foreign key action', async () => {
    let changed = edit(schema, '@@index([tags], type: Gin)', '@@index([tags])');
    changed = edit(changed, '  @@index([status])\n', '$&  @@index([signer])\n');
    changed = edit(
      changed,
      'user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n\n  @@index([userId])',
      'user User @relation(fields: [userId], references: [id])\n\n  @@index([userId])',
    );
    expect(await findDrift(changed, client)).toEqual([
      'index Persona_tags_idx: schema says index on Persona(tags), database has gin index on Persona(tags)',
      'index InferenceRecord_signer_idx is missing from the database (schema says index on InferenceRecord(signer))',
      'foreign key ApiKey_userId_fkey: schema says ApiKey(userId) -> User(id) ON DELETE RESTRICT ON UPDATE CASCADE, ' +
        'database has ApiKey(userId) -> User(id) ON DELETE CASCADE ON UPDATE CASCADE',
    ]);
  });

  it('notices a table the schema does not know', async () => {
    let changed = edit(schema, /\nmodel HubModelVersion \{[^}]*\}\n/, '\n');
    changed = edit(changed, /\n {2}versions +HubModelVersion\[\]\n/, '\n');
    changed = edit(changed, /\n {2}hubVersions +HubModelVersion\[\]\n/, '\n');
    expect(await findDrift(changed, client)).toEqual([
      'table HubModelVersion exists in the database but not in the schema',
    ]);
  });

  it('notices objects that only the database has', async () => {
    // DDL is transactional in Postgres, so the stray objects vanish with the rollback.
    await client.query('BEGIN');
    try {
      await client.query(`CREATE TYPE "Mood" AS ENUM ('calm')`);
      await client.query(`CREATE INDEX "User_role_idx" ON "User"("role")`);
      await client.query(`ALTER TABLE "Persona" ADD COLUMN "mood" "Mood"`);
      expect(await findDrift(schema, client)).toEqual([
        'enum Mood exists in the database but not in the schema',
        'column Persona.mood exists in the database but not in the schema (Mood NULL)',
        'index User_role_idx exists in the database but not in the schema (index on User(role))',
      ]);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

function edit(text: string, find: string | RegExp, replace: string | ((match: string) => string)): string {
  const found = typeof find === 'string' ? text.includes(find) : find.test(text);
  if (!found)
    throw new Error(`The test's schema edit no longer applies: ${String(find)} is not in schema.prisma`);
  return typeof replace === 'string' ? text.replace(find, replace) : text.replace(find, replace);
}
