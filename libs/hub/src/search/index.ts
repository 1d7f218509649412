export * from './hub-search.types';
export * from './hub-search-index';
export * from './ranking-metrics';
export * from './hub-corpus';
export * from './synthetic-corpus';
export { parseConstraints } from './query-constraints';
