import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// Every setting has a default that works for `npm start` on a machine with the local PostgreSQL and Redis.
// The README's configuration table lists these; keep the two in step.
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
      .default('postgresql://postgres@127.0.0.1:5432/twinproof'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
      .default('twinproof'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    SIGNUP_OPEN: bool.optional(),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    SIGNUP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().positive().default(30),
    DEFAULT_MODEL_ID: z.string().min(1).default('embedded'),
    EMBEDDED_LATENCY: z
      .string()
      .regex(
        /^([a-z]+|ttft=\d+,tps=\d+)$/,
        "a profile name (instant, local, hosted, slow) or 'ttft=<ms>,tps=<tokens/s>'",
      )
      .default('instant'),
    MODEL_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    OPENAI_MODEL_ID: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
  })
  .transform((env) => ({
    ...env,
    // Open sign-up is convenient in development and a risk in production: off there unless asked for.
    SIGNUP_OPEN: env.SIGNUP_OPEN ?? env.NODE_ENV !== 'production',
  }));

export type Env = z.output<typeof configSchema>;
