import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { AppConfig } from '@app/config';
import { clientAddress, RateLimiter } from '@app/rate-limit';
import { socketIoAdapterKey } from '@app/realtime';
import { watchRedisClient } from '@app/redis';
import Redis from 'ioredis';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import { attachStickyWorker } from './cluster/sticky-worker';
import type { CorsPolicy } from './cors-policy';

/**
 * socket.io over Redis pub/sub: a reply streamed by one api instance reaches clients connected to any other,
 * so instances scale behind a load balancer (with sticky sessions for the HTTP long-polling transport).
 */
type SubscriptionCommand = 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe';

/**
 * The adapter subscribes on start and unsubscribes on close without awaiting either. With Redis down those commands
 * wait in ioredis's offline queue, and disconnecting (or running out of retries) rejects them: an unhandled
 * rejection per command, at every api shutdown during an outage. The outage itself is logged by watchRedisClient,
 * and the adapter subscribes again when ioredis reconnects, so the rejections carry nothing: mark them handled.
 */
function handleSubscriptionFailures(client: Redis): Redis {
  const commands: SubscriptionCommand[] = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'];
  for (const command of commands) {
    const send = client[command].bind(client) as (...args: unknown[]) => Promise<unknown>;
    const handled = (...args: unknown[]): Promise<unknown> => {
      const sent = send(...args);
      sent.catch(() => undefined);
      return sent;
    };
    Object.assign(client, { [command]: handled });
  }
  return client;
}

export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger(RedisIoAdapter.name);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly limiter: RateLimiter;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly cors: CorsPolicy,
  ) {
    super(app);
    this.limiter = app.get(RateLimiter);
    // Not awaited: with Redis down the api still starts and /health says so; ioredis reconnects on its own.
    this.pub = watchRedisClient(new Redis(config.redisUrl), 'socket.io publisher');
    this.sub = handleSubscriptionFailures(watchRedisClient(this.pub.duplicate(), 'socket.io subscriber'));
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    // Every handshake, whatever namespace it asks for (unknown ones too), counts against its address first.
    const allowRequest: ServerOptions['allowRequest'] = (request, callback) => {
      // The HTTP CORS policy, enforced: a browser page from another origin may not open a socket.
      if (!this.cors.allowsHandshake(request)) return callback('Origin not allowed', false);
      this.allowHandshake(request).then(
        (allowed) => callback(allowed ? null : 'Too many connections from this address', allowed),
        () => callback(null, true),
      );
    };
    const server = super.createIOServer(port, {
      ...options,
      cors: { origin: this.cors.origin, credentials: false },
      allowRequest,
    }) as Server;
    server.adapter(createAdapter(this.pub, this.sub, { key: socketIoAdapterKey(this.config.redisPrefix) }));
    // API_PROCESSES > 1: this worker takes its connections from the primary, sticky per session.
    attachStickyWorker(server);
    return server;
  }

  private async allowHandshake(request: IncomingMessage): Promise<boolean> {
    const rule = {
      bucket: 'socket-handshake',
      limit: this.config.limits.socketConnectsPerMinute,
      windowMs: 60_000,
    };
    try {
      return (await this.limiter.hit(rule, clientAddress(request, this.config.trustProxy))).allowed;
    } catch (error) {
      // Fail open, as the HTTP limit does: a Redis outage must not lock every client out.
      this.logger.warn(`Socket handshake limit not enforced, Redis unavailable: ${String(error)}`);
      return true;
    }
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
