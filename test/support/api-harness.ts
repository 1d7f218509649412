import { INestApplication } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApi } from '../../apps/api/src/bootstrap';

export interface ApiHarness {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Boots the real api (real Postgres, real Redis) on a free port for one test file. */
export async function startApi(overrides: Record<string, string> = {}): Promise<ApiHarness> {
  // Limits high enough for a test suite signing up many users from one address; rate-limit tests lower them.
  const config = AppConfig.fromProcessEnv({
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    SIGNUP_RATE_LIMIT_PER_HOUR: '100000',
    RATE_LIMIT_PER_MINUTE: '100000',
    SOCKET_CONNECTS_PER_MINUTE: '100000',
    CONVERSATIONS_PER_HOUR: '100000',
    ...overrides,
  });
  const app = await createApi(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface TestUser {
  id: string;
  handle: string;
  apiKey: string;
  auth: { Authorization: string };
}

export function uniqueHandle(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export async function signUp(
  url: string,
  role: 'creator' | 'consumer' | 'operator',
  handle = uniqueHandle(role),
): Promise<TestUser> {
  const response = await request(url).post('/v1/users').send({ handle, role }).expect(201);
  const body = response.body as { id: string; handle: string; apiKey: string };
  return {
    id: body.id,
    handle: body.handle,
    apiKey: body.apiKey,
    auth: { Authorization: `Bearer ${body.apiKey}` },
  };
}

/** Creates a persona as `creator` through the API; `fields` are the request body (a name at least). */
export async function createPersona(
  url: string,
  creator: TestUser,
  fields: Record<string, unknown> & { name: string },
): Promise<{ id: string; slug: string }> {
  const response = await request(url).post('/v1/personas').set(creator.auth).send(fields).expect(201);
  return response.body as { id: string; slug: string };
}
