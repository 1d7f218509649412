import type { ClientBase } from 'pg';
import type {
  DatabaseColumn,
  DatabaseIndex,
  DatabaseSchema,
  EnumShape,
  ForeignKeyShape,
} from './schema-drift.types';

// Objects in the connection's current schema (public by default); extension-owned ones (pg_trgm's) excluded.
const IN_SCHEMA = `n.nspname = current_schema()`;
const NOT_FROM_EXTENSION = (oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = ${oid} AND dep.deptype = 'e')`;

export async function readDatabaseSchema(client: ClientBase): Promise<DatabaseSchema> {
  // One after another: a pg client runs one query at a time anyway.
  return {
    enums: await readEnums(client),
    tables: await readTables(client),
    columns: await readColumns(client),
    indexes: await readIndexes(client),
    foreignKeys: await readForeignKeys(client),
  };
}

async function readEnums(client: ClientBase): Promise<EnumShape[]> {
  const { rows } = await client.query<EnumShape>(`
    SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE ${IN_SCHEMA} AND ${NOT_FROM_EXTENSION('t.oid')}
     GROUP BY t.typname ORDER BY t.typname`);
  return rows;
}

async function readTables(client: ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`
    SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${IN_SCHEMA} AND c.relkind IN ('r', 'p') AND ${NOT_FROM_EXTENSION('c.oid')}
     ORDER BY c.relname`);
  return rows.map((row) => row.name);
}

async function readColumns(client: ClientBase): Promise<DatabaseColumn[]> {
  // Enums by bare name (format_type would quote "Role"), so both sides spell them the same way.
  const { rows } = await client.query<DatabaseColumn>(`
    SELECT c.relname::text AS "table", a.attname::text AS name, NOT a.attnotnull AS nullable,
           CASE WHEN t.typtype = 'e' THEN t.typname::text
                WHEN et.typtype = 'e' THEN et.typname::text || '[]'
                ELSE format_type(a.atttypid, a.atttypmod) END AS type,
           CASE WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ')'
                ELSE pg_get_expr(d.adbin, d.adrelid) END AS "default"
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${IN_SCHEMA} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`);
  return rows;
}

interface IndexRow {
  table: string;
  name: string;
  primary: boolean;
  unique: boolean;
  method: string;
  columns: string[];
  opclasses: string[];
  default_opclass: boolean[];
  descending: boolean[];
  predicate: string | null;
}

async function readIndexes(client: ClientBase): Promise<DatabaseIndex[]> {
  const { rows } = await client.query<IndexRow>(`
    SELECT c.relname::text AS "table", i.relname::text AS name, ix.indisprimary AS "primary",
           ix.indisunique AS "unique", am.amname::text AS method,
           array(SELECT coalesce(a.attname::text, '(expression)')
                   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
                  WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord) AS columns,
           array(SELECT o.opcname::text FROM unnest(ix.indclass::oid[]) WITH ORDINALITY k(oid, ord)
                   JOIN pg_opclass o ON o.oid = k.oid ORDER BY k.ord) AS opclasses,
           array(SELECT o.opcdefault FROM unnest(ix.indclass::oid[]) WITH ORDINALITY k(oid, ord)
                   JOIN pg_opclass o ON o.oid = k.oid ORDER BY k.ord) AS default_opclass,
           array(SELECT (k.opt & 1) = 1 FROM unnest(ix.indoption::int2[]) WITH ORDINALITY k(opt, ord)
                  ORDER BY k.ord) AS descending,
           pg_get_expr(ix.indpred, ix.indrelid) AS predicate
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam
     WHERE ${IN_SCHEMA}
     ORDER BY c.relname, i.relname`);
  return rows.map((row) => ({
    table: row.table,
    name: row.name,
    kind: row.primary ? 'primary key' : row.unique ? 'unique index' : 'index',
    method: row.method,
    columns: row.columns.map((name, i) => ({
      name,
      opclass: row.default_opclass[i] ? null : row.opclasses[i],
      descending: row.descending[i] ?? false,
    })),
    opclasses: row.opclasses,
    predicate: row.predicate,
  }));
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

async function readForeignKeys(client: ClientBase): Promise<ForeignKeyShape[]> {
  const { rows } = await client.query<ForeignKeyShape & { on_delete: string; on_update: string }>(`
    SELECT c.relname::text AS "table", con.conname::text AS name, rc.relname::text AS "referencedTable",
           array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
           array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                  ORDER BY k.ord) AS "referencedColumns",
           con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
      FROM pg_constraint con
      JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class rc ON rc.oid = con.confrelid
     WHERE ${IN_SCHEMA} AND con.contype = 'f'
     ORDER BY c.relname, con.conname`);
  return rows.map(({ on_delete, on_update, ...fk }) => ({
    ...fk,
    onDelete: REFERENTIAL_ACTIONS[on_delete] ?? on_delete,
    onUpdate: REFERENTIAL_ACTIONS[on_update] ?? on_update,
  }));
}
