import type {
  DatabaseColumn,
  DatabaseIndex,
  DatabaseSchema,
  DefaultShape,
  ExpectedColumn,
  ExpectedSchema,
  ForeignKeyShape,
  IndexShape,
} from './schema-drift.types';

export interface CompareOptions {
  /** Tables the schema does not declare but that belong there (Prisma's own bookkeeping). */
  ignoredTables: ReadonlySet<string>;
  allowedExtraIndexes: ReadonlySet<string>;
}

export function compareSchemas(
  expected: ExpectedSchema,
  actual: DatabaseSchema,
  options: CompareOptions,
): string[] {
  const expectedTables = new Set(expected.tables);
  const actualTables = new Set(actual.tables.filter((table) => !options.ignoredTables.has(table)));
  // Objects of a table only one side has are summed up by that table's own line.
  const shared = (table: string): boolean => expectedTables.has(table) && actualTables.has(table);
  return [
    ...compareEnums(expected, actual),
    ...expected.tables
      .filter((t) => !actualTables.has(t))
      .map((t) => `table ${t} is missing from the database`),
    ...[...actualTables]
      .filter((t) => !expectedTables.has(t))
      .map((t) => `table ${t} exists in the database but not in the schema`),
    ...compareColumns(
      expected.columns.filter((c) => shared(c.table)),
      actual.columns.filter((c) => shared(c.table)),
    ),
    ...compareIndexes(
      expected.indexes.filter((i) => shared(i.table)),
      actual.indexes.filter((i) => shared(i.table)),
      options.allowedExtraIndexes,
    ),
    ...compareForeignKeys(
      expected.foreignKeys.filter((f) => shared(f.table)),
      actual.foreignKeys.filter((f) => shared(f.table)),
    ),
  ];
}

function compareEnums(expected: ExpectedSchema, actual: DatabaseSchema): string[] {
  const actualByName = new Map(actual.enums.map((e) => [e.name, e]));
  const lines = expected.enums.flatMap((e) => {
    const found = actualByName.get(e.name);
    if (!found) return [`enum ${e.name} is missing from the database (schema says ${e.values.join(', ')})`];
    // Order is not compared: ALTER TYPE ... ADD VALUE appends, wherever the schema lists the value.
    const same = e.values.length === found.values.length && e.values.every((v) => found.values.includes(v));
    return same
      ? []
      : [`enum ${e.name}: schema says ${e.values.join(', ')}; database has ${found.values.join(', ')}`];
  });
  const known = new Set(expected.enums.map((e) => e.name));
  return [
    ...lines,
    ...actual.enums
      .filter((e) => !known.has(e.name))
      .map((e) => `enum ${e.name} exists in the database but not in the schema`),
  ];
}

function compareColumns(expected: ExpectedColumn[], actual: DatabaseColumn[]): string[] {
  const key = (c: { table: string; name: string }): string => `${c.table}.${c.name}`;
  const actualByKey = new Map(actual.map((c) => [key(c), c]));
  const lines = expected.flatMap((column) => {
    const found = actualByKey.get(key(column));
    const want = describeExpectedColumn(column);
    if (!found) return [`column ${key(column)} is missing from the database (schema says ${want})`];
    const have = describeDatabaseColumn(found, !column.unsupported);
    const matches =
      column.type === found.type &&
      column.nullable === found.nullable &&
      (column.unsupported || defaultMatches(column.default, found.default));
    return matches ? [] : [`column ${key(column)}: schema says ${want}, database has ${have}`];
  });
  const known = new Set(expected.map(key));
  return [
    ...lines,
    ...actual
      .filter((c) => !known.has(key(c)))
      .map(
        (c) =>
          `column ${key(c)} exists in the database but not in the schema (${describeDatabaseColumn(c, true)})`,
      ),
  ];
}

function describeExpectedColumn(column: ExpectedColumn): string {
  const nullability = column.nullable ? 'NULL' : 'NOT NULL';
  const shape = column.default;
  const defaultText =
    shape.kind === 'value'
      ? ` DEFAULT ${shape.value}`
      : shape.kind === 'any'
        ? ` DEFAULT ${shape.label}`
        : '';
  return `${column.type} ${nullability}${column.unsupported ? '' : defaultText}`;
}

function describeDatabaseColumn(column: DatabaseColumn, withDefault: boolean): string {
  const defaultText =
    withDefault && column.default !== null ? ` DEFAULT ${normaliseDefault(column.default)}` : '';
  return `${column.type} ${column.nullable ? 'NULL' : 'NOT NULL'}${defaultText}`;
}

function defaultMatches(expected: DefaultShape, actual: string | null): boolean {
  switch (expected.kind) {
    case 'none':
      return actual === null;
    case 'any':
      return actual !== null;
    case 'value':
      return actual !== null && normaliseDefault(actual) === expected.value;
  }
}

const NUMERIC_CAST = /^(integer|bigint|smallint|numeric(\(\d+,\d+\))?|double precision|real)$/;

/** Reads pg_get_expr's spelling of a default the way schema-drift.expected.ts spells Prisma's. */
export function normaliseDefault(expression: string): string {
  if (/^nextval\(/.test(expression)) return 'autoincrement()';
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expression)) return 'CURRENT_TIMESTAMP';
  if (/^ARRAY\[\]::/.test(expression)) return '[]';
  const literal = /^'((?:[^']|'')*)'::(.+)$/.exec(expression);
  if (literal) {
    const isNumber =
      NUMERIC_CAST.test(literal[2]) && literal[1].trim() !== '' && !Number.isNaN(Number(literal[1]));
    return isNumber ? String(Number(literal[1])) : `'${literal[1]}'`;
  }
  const number = /^\(?(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\)?$/i.exec(expression);
  if (number) return String(Number(number[1]));
  return expression;
}

function compareIndexes(
  expected: IndexShape[],
  actual: DatabaseIndex[],
  allowed: ReadonlySet<string>,
): string[] {
  const actualByName = new Map(actual.map((i) => [i.name, i]));
  const lines = expected.flatMap((index) => {
    const found = actualByName.get(index.name);
    const want = describeIndex(index);
    if (!found) return [`index ${index.name} is missing from the database (schema says ${want})`];
    const have = describeDatabaseIndex(found, index);
    return want === have ? [] : [`index ${index.name}: schema says ${want}, database has ${have}`];
  });
  const known = new Set(expected.map((i) => i.name));
  return [
    ...lines,
    ...actual
      .filter((i) => !known.has(i.name) && !allowed.has(i.name))
      .map(
        (i) => `index ${i.name} exists in the database but not in the schema (${describeDatabaseIndex(i)})`,
      ),
  ];
}

function describeIndex(index: IndexShape, predicate: string | null = null): string {
  const columns = index.columns
    .map((c) => [c.name, c.opclass, c.descending ? 'DESC' : null].filter((part) => part !== null).join(' '))
    .join(', ');
  const method = index.method === 'btree' ? '' : `${index.method} `;
  return `${method}${index.kind} on ${index.table}(${columns})${predicate ? ` WHERE ${predicate}` : ''}`;
}

// Shows the database's operator class where the schema names one, so an explicit default class still matches.
function describeDatabaseIndex(index: DatabaseIndex, expected?: IndexShape): string {
  const columns = index.columns.map((column, i) =>
    expected?.columns[i]?.opclass ? { ...column, opclass: index.opclasses[i] } : column,
  );
  return describeIndex({ ...index, columns }, index.predicate);
}

function compareForeignKeys(expected: ForeignKeyShape[], actual: ForeignKeyShape[]): string[] {
  const key = (fk: ForeignKeyShape): string => `${fk.table}.${fk.name}`;
  const actualByKey = new Map(actual.map((fk) => [key(fk), fk]));
  const lines = expected.flatMap((fk) => {
    const found = actualByKey.get(key(fk));
    const want = describeForeignKey(fk);
    if (!found) return [`foreign key ${fk.name} is missing from the database (schema says ${want})`];
    const have = describeForeignKey(found);
    return want === have ? [] : [`foreign key ${fk.name}: schema says ${want}, database has ${have}`];
  });
  const known = new Set(expected.map(key));
  return [
    ...lines,
    ...actual
      .filter((fk) => !known.has(key(fk)))
      .map(
        (fk) =>
          `foreign key ${fk.name} exists in the database but not in the schema (${describeForeignKey(fk)})`,
      ),
  ];
}

function describeForeignKey(fk: ForeignKeyShape): string {
  return (
    `${fk.table}(${fk.columns.join(', ')}) -> ${fk.referencedTable}(${fk.referencedColumns.join(', ')}) ` +
    `ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`
  );
}
