import { Test } from '@nestjs/testing';
import { AppConfig, loadEnv } from '@app/config';
import { RealtimePublisher } from '@app/realtime';
import type { ApiKey, Role, User } from '@app/database';
import { randomUUID } from 'node:crypto';
import { hashApiKey } from './api-key';
import { InvalidApiKeyError, SignupDisabledError } from './auth.errors';
import { KeyRecord, UsersRepository } from './users.repository';
import { UsersService } from './users.service';

class FakeUsersRepository {
  users: User[] = [];
  keys: ApiKey[] = [];
  touched: string[] = [];

  async createWithKey(handle: string, role: Role, key: KeyRecord): Promise<{ user: User; key: ApiKey }> {
    const now = new Date();
    const user: User = {
      id: randomUUID(),
      handle,
      role,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      anonymous: false,
    };
    const apiKey: ApiKey = {
      id: randomUUID(),
      userId: user.id,
      ...key,
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    };
    this.users.push(user);
    this.keys.push(apiKey);
    return { user, key: apiKey };
  }

  async findKeyByHash(hash: string): Promise<(ApiKey & { user: User }) | null> {
    const key = this.keys.find((k) => k.hash === hash);
    const user = this.users.find((u) => u.id === key?.userId);
    return key && user ? { ...key, user } : null;
  }

  async touchKey(id: string): Promise<void> {
    this.touched.push(id);
  }
}

describe('UsersService', () => {
  async function build(
    env: Record<string, string> = {},
  ): Promise<{ service: UsersService; repository: FakeUsersRepository }> {
    const repository = new FakeUsersRepository();
    const moduleRef = await Test.createTestingModule({
      providers: [
        UsersService,
        { provide: UsersRepository, useValue: repository },
        { provide: AppConfig, useValue: new AppConfig(loadEnv(env)) },
        { provide: RealtimePublisher, useValue: { disconnectApiKey: () => undefined } },
      ],
    }).compile();
    return { service: moduleRef.get(UsersService), repository };
  }

  it('stores only a SHA-256 digest of the key and returns the key itself once', async () => {
    const { service, repository } = await build();
    const { apiKey } = await service.signUp('ada', 'creator');
    expect(repository.keys[0].hash).toBe(hashApiKey(apiKey));
    expect(JSON.stringify(repository.keys)).not.toContain(apiKey);
  });

  it('authenticates a good key, records its use, and refuses revoked keys and deleted users', async () => {
    const { service, repository } = await build();
    const { apiKey, user } = await service.signUp('ada', 'creator');
    await expect(service.authenticate(apiKey)).resolves.toMatchObject({ id: user.id, role: 'creator' });
    expect(repository.touched).toHaveLength(1);

    repository.keys[0].revokedAt = new Date();
    await expect(service.authenticate(apiKey)).rejects.toBeInstanceOf(InvalidApiKeyError);
    repository.keys[0].revokedAt = null;
    repository.users[0].deletedAt = new Date();
    await expect(service.authenticate(apiKey)).rejects.toBeInstanceOf(InvalidApiKeyError);
  });

  it('does not look up strings that cannot be keys', async () => {
    const { service } = await build();
    await expect(service.authenticate('password123')).rejects.toBeInstanceOf(InvalidApiKeyError);
  });

  it('refuses sign-up when it is switched off, unless the platform itself creates the account', async () => {
    const { service } = await build({ SIGNUP_OPEN: 'false' });
    await expect(service.signUp('ada', 'creator')).rejects.toBeInstanceOf(SignupDisabledError);
    await expect(service.signUp('ada', 'creator', { bypassSignupSwitch: true })).resolves.toMatchObject({
      user: { handle: 'ada' },
    });
  });
});
