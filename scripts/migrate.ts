// `npm run db:migrate`: creates the database if needed and applies prisma/migrations, recording them in
// _prisma_migrations as `prisma migrate deploy` would (that command needs a schema-engine binary this
// machine cannot download). The @app/database/migrations sub-path rather than the barrel, so that migrating does
// not load Nest or the Prisma client.
import { applyMigrations, defaultMigrationsDir, ensureDatabase } from '@app/database/migrations';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/twinproof';

async function main(): Promise<void> {
  // Tooling, not the app: the one place this script reads the environment.
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

  const { database, created } = await ensureDatabase(databaseUrl);
  if (created) console.log(`Created database ${database}`);

  const { applied, skipped } = await applyMigrations({
    databaseUrl,
    migrationsDir: defaultMigrationsDir(__dirname),
    log: (line) => console.log(line),
  });
  const summary = applied.length === 0 ? 'already up to date' : `applied ${applied.length}`;
  console.log(`Database ${database}: ${summary} (${applied.length + skipped.length} migrations in total)`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /ECONNREFUSED/.test(message) ? ' (is PostgreSQL running? see DATABASE_URL)' : '';
  console.error(`Migration failed: ${message}${hint}`);
  process.exit(1);
});
