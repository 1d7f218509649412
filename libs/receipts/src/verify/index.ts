export * from './chain-reader';
export * from './verification.types';
export * from './verify-audit';
export * from './verify-bundle';
