// findDrift (schema-drift.ts) is left out on purpose: it loads @prisma/prisma-schema-wasm, a dev dependency,
// and only the drift test needs it.
export * from './database-url';
export * from './ensure-database';
export * from './migration-errors';
export * from './migration-files';
export * from './migrations-table';
export * from './migrator';
export * from './package-root';
