export * from './client-address';
export * from './rate-limiter';
export * from './rate-limit-rules';
export * from './rate-limit.errors';
export * from './rate-limit.guard';
export * from './rate-limit.module';
export * from './socket-event-guard';
