export * from './embedder';
export * from './lexical-embedder';
export * from './memory-embedding-backfill';
export * from './vector-support';
export * from './vector-support.module';
