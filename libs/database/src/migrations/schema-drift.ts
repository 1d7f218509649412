import type { ClientBase } from 'pg';
import { readDatabaseSchema } from './schema-drift.catalog';
import { compareSchemas } from './schema-drift.compare';
import { readDatamodel } from './schema-drift.dmmf';
import { buildExpectedSchema } from './schema-drift.expected';
import { scanSchemaText } from './schema-text';

// Indexes the migrations create on purpose although schema.prisma cannot declare them. Each entry needs a
// comment saying why. (The GIN and trigram indexes are expressible in the schema.)
const ALLOWED_EXTRA_INDEXES: ReadonlySet<string> = new Set<string>([
  // Partial (WHERE status = 'streaming'), for the worker's abandoned-reply sweep: Prisma has no partial indexes.
  'Message_streaming_createdAt_idx',
]);

// Prisma Migrate's bookkeeping, never declared in a schema.
// MemoryEmbedding is created at start by libs/memory only where pgvector exists, so it cannot be in the schema.
const IGNORED_TABLES: ReadonlySet<string> = new Set(['_prisma_migrations', 'MemoryEmbedding']);

/**
 * Compares schema.prisma with the database behind `client` (its current schema, normally public) and
 * returns one readable line per difference: enums and their values; tables; columns with type, nullability
 * and default; primary keys, unique and other indexes (method, columns, operator classes, order); foreign
 * keys with their referential actions, all under Prisma's names. Both directions: what the schema declares
 * and the database lacks, and what the database has that the schema does not know, except columns the
 * schema declares `Unsupported(...)` (their type and nullability are still checked).
 *
 * Not modelled: implicit many-to-many join tables, views, multiSchema. The schema uses none of them; a
 * schema that starts to will show up here as drift until this learns them.
 */
export async function findDrift(schemaText: string, client: ClientBase): Promise<string[]> {
  const expected = buildExpectedSchema(readDatamodel(schemaText), scanSchemaText(schemaText));
  const actual = await readDatabaseSchema(client);
  return compareSchemas(expected, actual, {
    ignoredTables: IGNORED_TABLES,
    allowedExtraIndexes: ALLOWED_EXTRA_INDEXES,
  });
}
