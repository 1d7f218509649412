export * from './test-database';
export * from './test-redis';
export * from './factories';
export * from './chat-client';
