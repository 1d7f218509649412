export * from './test-database';
export * from './test-redis';
export * from './factories';
export * from './chat-client';
export * from './db-factories';
export * from './pglite/pglite-server';
export * from './pglite/pgvector-targets';
export * from './nest-context';
