import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '@app/common';
import { AppConfig } from '@app/config';
import { Role } from '@app/database';
import { RealtimePublisher } from '@app/realtime';
import type { ApiKey, User } from '@app/database';
import { generateApiKey, hashApiKey, looksLikeApiKey } from './api-key';
import { InvalidApiKeyError, SignupDisabledError } from './auth.errors';
import type { AuthUser } from './auth-user';
import { UsersRepository } from './users.repository';

export interface SignUpResult {
  user: User;
  apiKey: string;
}

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

// Writing lastUsedAt on every request would turn each read into a write; once a minute is enough to audit.
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
    private readonly realtime: RealtimePublisher,
  ) {}

  async signUp(
    handle: string,
    role: Role,
    options: { bypassSignupSwitch?: boolean } = {},
  ): Promise<SignUpResult> {
    if (!this.config.signupOpen && !options.bypassSignupSwitch) throw new SignupDisabledError();
    const key = generateApiKey();
    const { user } = await this.users.createWithKey(handle, role, {
      hash: key.hash,
      prefix: key.prefix,
      name: 'default',
    });
    this.logger.log(`User ${user.id} signed up as ${role}`);
    return { user, apiKey: key.secret };
  }

  async authenticate(secret: string): Promise<AuthUser> {
    if (!looksLikeApiKey(secret)) throw new InvalidApiKeyError();
    const key = await this.users.findKeyByHash(hashApiKey(secret));
    if (!key || key.revokedAt || key.user.deletedAt) throw new InvalidApiKeyError();
    const now = new Date();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      this.users
        .touchKey(key.id, now)
        .catch((error: unknown) =>
          this.logger.warn(`Could not record use of key ${key.id}: ${String(error)}`),
        );
    }
    const user: AuthUser = {
      id: key.user.id,
      handle: key.user.handle,
      role: key.user.role,
      apiKeyId: key.id,
    };
    if (key.user.anonymous) user.anonymous = true;
    return user;
  }

  /**
   * A private-chat session (docs/privacy.md): a consumer linked to no account, made after a Privacy Pass token was
   * redeemed, with its own key so the client can read its reply's proof later through the gateway. Its handle has a
   * ':' that sign-up refuses, so no account can take it.
   */
  async openPrivateSession(): Promise<{ user: AuthUser; apiKey: string }> {
    const key = generateApiKey();
    const handle = `private:${randomBytes(10).toString('hex')}`;
    const { user, key: stored } = await this.users.createWithKey(
      handle,
      'consumer',
      { hash: key.hash, prefix: key.prefix, name: 'private-session' },
      { anonymous: true },
    );
    return {
      user: { id: user.id, handle, role: user.role, apiKeyId: stored.id, anonymous: true },
      apiKey: key.secret,
    };
  }

  async createKey(userId: string, name: string): Promise<{ key: KeyView; apiKey: string }> {
    const key = generateApiKey();
    const record = await this.users.createKey(userId, { hash: key.hash, prefix: key.prefix, name });
    return { key: toKeyView(record), apiKey: key.secret };
  }

  async listKeys(userId: string): Promise<KeyView[]> {
    return (await this.users.listKeys(userId)).map(toKeyView);
  }

  async revokeKey(userId: string, keyId: string): Promise<void> {
    const revoked = await this.users.revokeKey(userId, keyId, new Date());
    if (revoked) {
      // A socket authenticates once, at its handshake: those opened with this key are closed, on every instance.
      this.realtime.disconnectApiKey(keyId);
      return;
    }
    // Revoking an already-revoked key of one's own is a no-op; anyone else's key is simply "not found".
    if (await this.users.keyExists(userId, keyId)) return;
    throw new NotFoundError('API key', keyId);
  }
}

function toKeyView(key: ApiKey): KeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}
