// Moved to @app/redis; kept until chat.service.ts imports it from there.
export { isRedisOutage } from '@app/redis';
