// Prisma's default constraint and index names on PostgreSQL (psl ConstraintNames): `{table}_pkey`,
// `{table}_{columns}_key`, `{table}_{columns}_idx`, `{table}_{columns}_fkey`, the part before the suffix cut
// so the whole name fits Postgres' 63-byte identifiers. Names here are ASCII, so characters are bytes.

const MAX_IDENTIFIER_LENGTH = 63;

function withSuffix(base: string, suffix: string): string {
  const room = MAX_IDENTIFIER_LENGTH - suffix.length;
  return `${base.length >= room ? base.slice(0, room) : base}${suffix}`;
}

export function primaryKeyName(table: string): string {
  return withSuffix(table, '_pkey');
}

export function defaultIndexName(table: string, columns: string[], suffix: '_key' | '_idx'): string {
  return withSuffix(`${table}_${columns.join('_')}`, suffix);
}

export function foreignKeyName(table: string, columns: string[]): string {
  return withSuffix(`${table}_${columns.join('_')}`, '_fkey');
}
