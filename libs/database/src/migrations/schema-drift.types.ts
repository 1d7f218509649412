// The two sides findDrift compares: what schema.prisma implies (expected) and what pg_catalog holds (actual),
// both already in Postgres' vocabulary so that comparing them is string equality.

export interface EnumShape {
  name: string;
  values: string[];
}

/** `none`: Prisma puts no DB default; `any`: some default, value not comparable; `value`: normalised. */
export type DefaultShape =
  { kind: 'none' } | { kind: 'any'; label: string } | { kind: 'value'; value: string };

export interface ExpectedColumn {
  table: string;
  name: string;
  /** format_type() spelling, except enums by bare name: `text`, `timestamp(3) without time zone`, `Role[]`. */
  type: string;
  nullable: boolean;
  default: DefaultShape;
  /** Declared Unsupported(...): presence, type and nullability are checked, the default is not. */
  unsupported: boolean;
}

export type IndexKind = 'primary key' | 'unique index' | 'index';

export interface IndexColumn {
  name: string;
  /** The schema's operator class, or the database's when it is not the column type's default. */
  opclass: string | null;
  descending: boolean;
}

export interface IndexShape {
  table: string;
  name: string;
  kind: IndexKind;
  method: string;
  columns: IndexColumn[];
}

export interface ForeignKeyShape {
  table: string;
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface ExpectedSchema {
  enums: EnumShape[];
  tables: string[];
  columns: ExpectedColumn[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface DatabaseColumn {
  table: string;
  name: string;
  type: string;
  nullable: boolean;
  /** pg_get_expr of the default, or `GENERATED ALWAYS AS (...)` for a generated column. */
  default: string | null;
}

export interface DatabaseIndex extends IndexShape {
  /** Per column: the opclass in use, whether or not it is the default one. */
  opclasses: string[];
  predicate: string | null;
}

export interface DatabaseSchema {
  enums: EnumShape[];
  tables: string[];
  columns: DatabaseColumn[];
  indexes: DatabaseIndex[];
  foreignKeys: ForeignKeyShape[];
}
