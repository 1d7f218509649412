import type { MigrationRecord } from './migrations-table';

/** Anything that stops migrations; the message says what happened and what to do next. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Same rule and wording as Prisma's P3009 (FoundFailedMigrations), plus how to get going again offline. */
export function failedMigrationsError(failed: MigrationRecord[]): MigrationError {
  const details = failed.map((record) => {
    const logs = record.logs?.trim() ? ` with the following logs:\n${record.logs.trim()}` : '';
    return `The \`${record.migration_name}\` migration started at ${record.started_at.toISOString()} failed${logs}`;
  });
  const names = failed.map((record) => `'${record.migration_name}'`).join(', ');
  return new MigrationError(
    [
      'migrate found failed migrations in the target database, new migrations will not be applied (Prisma P3009).',
      ...details,
      'A failure recorded by this runner left nothing behind (each migration runs in a transaction). Fix the',
      'migration, then mark the failure rolled back and migrate again:',
      `  UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name IN (${names}) AND finished_at IS NULL;`,
      '(or `npx prisma migrate resolve --rolled-back <name>` where the Prisma schema engine is available).',
    ].join('\n'),
  );
}

export function modifiedMigrationError(name: string, recorded: string, current: string): MigrationError {
  return new MigrationError(
    `Migration ${name} was modified after it was applied: _prisma_migrations records checksum ${recorded}, ` +
      `but its migration.sql now hashes to ${current}. Restore the file as it was ` +
      'and put the change in a new migration.',
  );
}

/** "ERROR 42P07 relation "User" already exists (line 52)": the Postgres error, located in the script. */
export function describeScriptError(error: unknown, script: string): string {
  if (!(error instanceof Error)) return String(error);
  const fields = error as Error & { code?: string; position?: string; detail?: string; hint?: string };
  const line = fields.position ? ` (line ${lineAt(script, Number(fields.position))})` : '';
  const code = fields.code ? ` ${fields.code}` : '';
  const extra = [fields.detail, fields.hint].filter((part): part is string => Boolean(part)).join(' ');
  return `ERROR${code} ${error.message}${line}${extra ? `. ${extra}` : ''}`;
}

// Postgres reports the position as a 1-based character offset into the whole script.
function lineAt(script: string, position: number): number {
  return script.slice(0, Math.max(0, position - 1)).split('\n').length;
}
