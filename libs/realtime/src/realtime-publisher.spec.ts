import { AppConfig } from '@app/config';
import { RealtimePublisher } from './realtime-publisher';

describe('RealtimePublisher with Redis down', () => {
  it('drops events without an unhandled rejection (the outage is logged once elsewhere)', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    // Port 1: nothing listens; every PUBLISH fails once its retries are spent.
    const publisher = new RealtimePublisher(
      AppConfig.fromProcessEnv({ REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'error' }),
    );
    try {
      publisher.toConversation('00000000-0000-4000-8000-000000000000', 'proof:update', {
        inferenceId: 'i',
        messageId: 'm',
        conversationId: 'c',
        status: 'attested',
      });
      // ioredis gives up on a command after maxRetriesPerRequest reconnection attempts (about a second here).
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(unhandled).toEqual([]);
    } finally {
      publisher.onModuleDestroy();
      process.off('unhandledRejection', record);
    }
  });
});
