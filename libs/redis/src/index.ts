export * from './redis.module';
export * from './redis-errors';
export * from './redis-outage';
