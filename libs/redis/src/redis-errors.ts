import { Logger } from '@nestjs/common';

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** An ioredis client: it says 'ready' again after every reconnection. */
interface RedisClientLike {
  on(event: 'error' | 'ready', listener: (error: Error) => void): unknown;
}

/** A BullMQ Queue or Worker: it forwards its connections' errors; its backend says when they are ready again. */
interface BullMqConnectionOwner extends ErrorEmitter {
  getBackend(): { on(event: 'ready', listener: () => void): unknown };
}

const logger = new Logger('Redis');

/** Once when an outage starts and once when it ends: ioredis and BullMQ emit 'error' on every reconnection attempt. */
export class RedisOutageLog {
  private down = false;

  constructor(private readonly connection: string) {}

  readonly failed = (error: Error): void => {
    if (this.down) return;
    this.down = true;
    logger.error(
      `${this.connection}: Redis unreachable (${error.message}); reconnecting quietly until it is back`,
    );
  };

  readonly recovered = (): void => {
    if (!this.down) return;
    this.down = false;
    logger.log(`${this.connection}: Redis reachable again`);
  };
}

/** Every ioredis client (and each duplicate(), which copies no listeners) goes through this once. */
export function watchRedisClient<T extends RedisClientLike>(client: T, connection: string): T {
  const log = new RedisOutageLog(connection);
  client.on('error', log.failed);
  client.on('ready', log.recovered);
  return client;
}

/** The same for a BullMQ Queue or Worker, which do not forward 'ready': their backend does. */
export function watchBullMqConnection(owner: BullMqConnectionOwner, connection: string): void {
  const log = new RedisOutageLog(connection);
  owner.on('error', log.failed);
  owner.getBackend().on('ready', log.recovered);
}
