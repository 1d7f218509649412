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
 * One readable line per difference between schema.prisma and the database behind `client`, both ways, under Prisma's
 * names (enums, tables, columns, keys, indexes, foreign keys); `Unsupported(...)` columns are checked for type and
 * nullability only. Not modelled, as the schema uses none: implicit many-to-many tables, views, multiSchema.
 */
export async function findDrift(schemaText: string, client: ClientBase): Promise<string[]> {
  const expected = buildExpectedSchema(readDatamodel(schemaText), scanSchemaText(schemaText));
  const actual = await readDatabaseSchema(client);
  return compareSchemas(expected, actual, {
    ignoredTables: IGNORED_TABLES,
    allowedExtraIndexes: ALLOWED_EXTRA_INDEXES,
  });
}
