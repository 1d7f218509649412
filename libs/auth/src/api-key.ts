import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'tp_';

export interface NewApiKey {
  /** Shown to the user once and never stored. */
  secret: string;
  /** What we keep: enough to find the key, not enough to use it. */
  hash: string;
  prefix: string;
}

/**
 * 256 random bits. A fast hash is the right tool for such keys (unlike passwords, they cannot be guessed),
 * and it lets each request find its key with one indexed lookup.
 */
export function generateApiKey(): NewApiKey {
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 10) };
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length > 20 && value.length < 200;
}
