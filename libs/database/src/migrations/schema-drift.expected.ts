import type { DmmfDatamodel, DmmfField, DmmfIndex, DmmfModel } from './schema-drift.dmmf';
import { defaultIndexName, foreignKeyName, primaryKeyName } from './prisma-names';
import type { SchemaTextFacts } from './schema-text';
import type {
  DefaultShape,
  ExpectedColumn,
  ExpectedSchema,
  ForeignKeyShape,
  IndexShape,
} from './schema-drift.types';

/** What `prisma migrate dev` would create for this datamodel, in pg_catalog's terms. */
export function buildExpectedSchema(datamodel: DmmfDatamodel, facts: SchemaTextFacts): ExpectedSchema {
  const enumNames = new Map(datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  return {
    enums: datamodel.enums.map((e) => ({
      name: e.dbName ?? e.name,
      values: e.values.map((v) => v.dbName ?? v.name),
    })),
    tables: datamodel.models.map(tableOf),
    columns: datamodel.models.flatMap((model) => [
      ...model.fields
        .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
        .map((field) => expectedColumn(model, field, enumNames)),
      ...facts.unsupported
        .filter((field) => field.model === model.name)
        .map((field) => ({
          table: tableOf(model),
          name: field.column,
          type: field.type.toLowerCase(),
          nullable: field.optional,
          default: { kind: 'none' } as const,
          unsupported: true,
        })),
    ]),
    indexes: datamodel.indexes
      .filter((index) => index.type !== 'fulltext')
      .map((index) => expectedIndex(index, modelNamed(datamodel, index.model), facts)),
    foreignKeys: datamodel.models.flatMap((model) => foreignKeysOf(model, datamodel, facts)),
  };
}

const tableOf = (model: DmmfModel): string => model.dbName ?? model.name;
const columnOf = (field: DmmfField): string => field.dbName ?? field.name;

function modelNamed(datamodel: DmmfDatamodel, name: string): DmmfModel {
  const model = datamodel.models.find((m) => m.name === name);
  if (!model) throw new Error(`The DMMF names model ${name} but does not define it`);
  return model;
}

function expectedColumn(model: DmmfModel, field: DmmfField, enumNames: Map<string, string>): ExpectedColumn {
  const base = field.kind === 'enum' ? (enumNames.get(field.type) ?? field.type) : columnType(field);
  return {
    table: tableOf(model),
    name: columnOf(field),
    type: field.isList ? `${base}[]` : base,
    // Prisma renders list columns without NOT NULL (arity List is not "required" in its SQL renderer).
    nullable: field.isList || !field.isRequired,
    default: expectedDefault(field),
    unsupported: false,
  };
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const precision = (args: string[]): string => (args.length > 0 ? `(${args.join(',')})` : '');

const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  VarChar: (args) => `character varying${precision(args)}`,
  Char: (args) => `character${precision(args)}`,
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: (args) => `numeric${precision(args)}`,
  Money: () => 'money',
  Boolean: () => 'boolean',
  Date: () => 'date',
  Timestamp: (args) => `timestamp${precision(args)} without time zone`,
  Timestamptz: (args) => `timestamp${precision(args)} with time zone`,
  Time: (args) => `time${precision(args)} without time zone`,
  Timetz: (args) => `time${precision(args)} with time zone`,
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
  Xml: () => 'xml',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Bit: (args) => `bit${precision(args)}`,
  VarBit: (args) => `bit varying${precision(args)}`,
};

function columnType(field: DmmfField): string {
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    return NATIVE_TYPES[name]?.(args) ?? `@db.${name} (not known to findDrift)`;
  }
  return SCALAR_TYPES[field.type] ?? `${field.type} (not known to findDrift)`;
}

const NUMERIC_TYPES = new Set(['Int', 'BigInt', 'Float', 'Decimal']);

/** Where Prisma puts a database default, normalised as normaliseDefault() reads them back. */
function expectedDefault(field: DmmfField): DefaultShape {
  const value = field.default;
  if (field.isUpdatedAt || !field.hasDefaultValue || value === undefined || value === null) {
    return { kind: 'none' };
  }
  if (Array.isArray(value)) {
    return value.length === 0
      ? { kind: 'value', value: '[]' }
      : { kind: 'any', label: JSON.stringify(value) };
  }
  if (typeof value === 'object') {
    switch (value.name) {
      case 'now':
        return { kind: 'value', value: 'CURRENT_TIMESTAMP' };
      case 'autoincrement':
      case 'sequence':
        return { kind: 'value', value: 'autoincrement()' };
      case 'dbgenerated':
        return { kind: 'any', label: `dbgenerated(${JSON.stringify(value.args[0] ?? '')})` };
      default:
        return { kind: 'none' }; // uuid(), cuid(), nanoid(), ulid(): the client fills these in
    }
  }
  if (typeof value === 'boolean') return { kind: 'value', value: String(value) };
  if (typeof value === 'number' || NUMERIC_TYPES.has(field.type)) {
    return { kind: 'value', value: String(Number(value)) };
  }
  if (field.type === 'DateTime') return { kind: 'any', label: `'${String(value)}'` };
  return { kind: 'value', value: `'${String(value).replace(/'/g, "''")}'` };
}

function expectedIndex(index: DmmfIndex, model: DmmfModel, facts: SchemaTextFacts): IndexShape {
  const table = tableOf(model);
  const columns = index.fields.map((field) => ({
    name: indexColumnName(model, field.name, facts),
    opclass: field.operatorClass ? operatorClassName(field.operatorClass) : null,
    descending: field.sortOrder === 'desc',
  }));
  const names = columns.map((column) => column.name);
  switch (index.type) {
    case 'id':
      return {
        table,
        kind: 'primary key',
        method: 'btree',
        columns,
        name: index.dbName ?? primaryKeyName(table),
      };
    case 'unique':
      return {
        table,
        kind: 'unique index',
        method: 'btree',
        columns,
        name: index.dbName ?? defaultIndexName(table, names, '_key'),
      };
    case 'normal':
    case 'fulltext': // MySQL only; filtered out before this
      return {
        table,
        kind: 'index',
        method: (index.algorithm ?? 'BTree').toLowerCase(),
        columns,
        name: index.dbName ?? defaultIndexName(table, names, '_idx'),
      };
  }
}

function indexColumnName(model: DmmfModel, fieldName: string, facts: SchemaTextFacts): string {
  const field = model.fields.find((f) => f.name === fieldName);
  if (field) return columnOf(field);
  const unsupported = facts.unsupported.find((f) => f.model === model.name && f.field === fieldName);
  return unsupported?.column ?? fieldName;
}

// Prisma's named classes (ArrayOps, JsonbPathOps, Int4MinMaxOps) stand for array_ops, jsonb_path_ops,
// int4_minmax_ops; raw("...") classes arrive as written.
function operatorClassName(operatorClass: string): string {
  if (!/^[A-Z]/.test(operatorClass)) return operatorClass;
  return operatorClass
    .replace('MinMaxMulti', 'Minmax_multi')
    .replace('MinMax', 'Minmax')
    .replace(/(?<!^)([A-Z])/g, '_$1')
    .toLowerCase();
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

function foreignKeysOf(
  model: DmmfModel,
  datamodel: DmmfDatamodel,
  facts: SchemaTextFacts,
): ForeignKeyShape[] {
  return model.fields
    .filter((field) => field.kind === 'object' && (field.relationFromFields?.length ?? 0) > 0)
    .map((field) => {
      const target = modelNamed(datamodel, field.type);
      const columns = (field.relationFromFields ?? []).map((name) => columnOfField(model, name));
      // Prisma's defaults: Restrict when the relation is required, SetNull when optional; updates cascade.
      const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
      const onUpdate = field.relationOnUpdate ?? 'Cascade';
      return {
        table: tableOf(model),
        name:
          facts.relationMaps.get(`${model.name}.${field.name}`) ?? foreignKeyName(tableOf(model), columns),
        columns,
        referencedTable: tableOf(target),
        referencedColumns: (field.relationToFields ?? []).map((name) => columnOfField(target, name)),
        onDelete: REFERENTIAL_ACTIONS[onDelete] ?? onDelete,
        onUpdate: REFERENTIAL_ACTIONS[onUpdate] ?? onUpdate,
      };
    });
}

function columnOfField(model: DmmfModel, fieldName: string): string {
  const field = model.fields.find((f) => f.name === fieldName);
  return field ? columnOf(field) : fieldName;
}
