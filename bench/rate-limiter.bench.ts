import 'reflect-metadata';
import { AppConfig } from '@app/config';
import { RateLimiter, RateLimitRule } from '@app/rate-limit';
import { RedisService } from '@app/redis';
import { randomBytes } from 'node:crypto';

// `npm run build && node dist/bench/rate-limiter.bench.js [hits]`: the api's own cost of one rate-limit hit
// against the local Redis (every chat send, socket event and HTTP request pays one). Figures, not verdicts.
const HITS = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = 200;
const WARMUP = 2_000;

interface Figures {
  opsPerSecond: number;
  cpuMsPerHit: number;
  redisCpuMsPerHit: number;
}

/** The Redis server's CPU seconds so far (user + system): the server's share of a hit, which other clients share. */
async function redisCpuSeconds(redis: RedisService): Promise<number> {
  const info = await redis.client.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function measure(
  redis: RedisService,
  hits: number,
  run: (hits: number) => Promise<void>,
): Promise<Figures> {
  const redisBefore = await redisCpuSeconds(redis);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run(hits);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const redisUsed = (await redisCpuSeconds(redis)) - redisBefore;
  return {
    opsPerSecond: hits / seconds,
    cpuMsPerHit: (used.user + used.system) / 1000 / hits,
    redisCpuMsPerHit: (redisUsed * 1000) / hits,
  };
}

async function main(): Promise<void> {
  const config = AppConfig.fromProcessEnv({ REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}` });
  const redis = new RedisService(config);
  const limiter = new RateLimiter(redis, config);
  // Never refused, so every hit does the whole work; a bucket per run keeps runs apart.
  const rule: RateLimitRule = { bucket: 'bench', limit: 1_000_000_000, windowMs: 60_000 };

  const sequential = async (hits: number): Promise<void> => {
    for (let i = 0; i < hits; i++) await limiter.hit(rule, 'alone');
  };
  // Many users at once, as on a busy instance: one subject per concurrent caller.
  const concurrent = async (hits: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, caller) => {
        while (next++ < hits) await limiter.hit(rule, `user-${caller}`);
      }),
    );
  };

  await sequential(WARMUP);
  await concurrent(WARMUP);
  const rows = [
    ['sequential', await measure(redis, HITS, sequential)],
    [`${CONCURRENCY} concurrent`, await measure(redis, HITS, concurrent)],
  ] as const;
  console.log(`${HITS} hits per row, ${process.version}`);
  console.log('scenario          ops/s  CPU ms/hit  Redis CPU ms/hit');
  for (const [name, f] of rows)
    console.log(
      name.padEnd(16) +
        Math.round(f.opsPerSecond).toString().padStart(7) +
        f.cpuMsPerHit.toFixed(4).padStart(12) +
        f.redisCpuMsPerHit.toFixed(4).padStart(18),
    );
  await redis.client.eval(
    "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end",
    0,
    `${config.redisPrefix}:*`,
  );
  await redis.onModuleDestroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
