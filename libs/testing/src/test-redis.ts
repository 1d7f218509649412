import Redis from 'ioredis';

/** SCAN + UNLINK rather than KEYS + DEL, so a shared Redis is never blocked while a run cleans up. */
export async function deleteRedisKeysWithPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('Refusing to delete every Redis key: the prefix is empty');
  // Fail fast instead of retrying forever when Redis is down; the caller decides whether that matters.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  await redis.connect();
  try {
    let deleted = 0;
    const stream = redis.scanStream({ match: `${escapeGlob(prefix)}*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

// SCAN MATCH is a glob: a prefix holding * ? [ ] or \ must not match other runs' keys.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
