import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnavailableError, ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { RateLimitedError } from '@app/rate-limit/rate-limit.errors';
import { isRedisOutage, RedisService } from '@app/redis';
import type { AuthUser } from '@app/auth/auth-user';
import { blindSign, BlindRsaError, verify } from './blind-rsa';
import { IssuerKeyStore } from './issuer-key.store';
import { SpentTokensRepository } from './spent-tokens.repository';
import {
  AUTHENTICATOR_INPUT_LENGTH,
  challengeDigest,
  decodeToken,
  decodeTokenRequest,
  defaultChallenge,
  parseAuthorization,
  TOKEN_TYPE_BLIND_RSA,
  TokenFormatError,
} from './token';
import {
  AnonymousTokensForbiddenError,
  TokenInvalidError,
  TokenRequestInvalidError,
  TokenSpentError,
} from './tokens.errors';

export const MAX_TOKEN_REQUESTS = 16;
const HOUR_MS = 3_600_000;

/** `anonymous` is the User column set for private-chat sessions; AuthUser may not carry it yet. */
export type TokenUser = Pick<AuthUser, 'id'> & { anonymous?: boolean };

// Count the batch in the user's hourly window; a refused batch is taken back out, so it costs nothing.
const CONSUME = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
if count > tonumber(ARGV[3]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return {0, ttl}
end
return {1, ttl}`;

@Injectable()
export class PrivacyTokensService {
  private readonly logger = new Logger(PrivacyTokensService.name);
  private readonly expectedDigest: Buffer;

  constructor(
    private readonly keys: IssuerKeyStore,
    private readonly redis: RedisService,
    private readonly spentTokens: SpentTokensRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    this.expectedDigest = challengeDigest(defaultChallenge(config.privacy.issuerName));
  }

  /** RFC 9578 §6.2: one TokenResponse (blind_sig) per TokenRequest, in order. */
  async issue(user: TokenUser, requests: Uint8Array[]): Promise<Uint8Array[]> {
    if (user.anonymous) throw new AnonymousTokensForbiddenError();
    if (requests.length < 1 || requests.length > MAX_TOKEN_REQUESTS)
      throw new ValidationError(`Send 1 to ${MAX_TOKEN_REQUESTS} token requests at a time.`);
    const key = this.keys.key;
    const blinded = requests.map((bytes, index) => {
      let request;
      try {
        request = decodeTokenRequest(bytes);
      } catch (error) {
        throw new TokenRequestInvalidError(index, (error as Error).message);
      }
      if (request.tokenType !== TOKEN_TYPE_BLIND_RSA)
        throw new TokenRequestInvalidError(index, `unsupported token type ${request.tokenType}`);
      if (request.truncatedTokenKeyId !== key.truncatedTokenKeyId)
        throw new TokenRequestInvalidError(index, 'unknown token key');
      return request.blindedMsg;
    });
    await this.consume(user.id, requests.length);
    const responses: Uint8Array[] = [];
    for (const [index, message] of blinded.entries()) {
      // One RSA signature (~0.6 ms) at a time, other requests served in between: 16 of them, from several accounts at
      // once, held /health for 300 ms when signed in one go.
      if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        responses.push(blindSign(key.privateKey, message));
      } catch (error) {
        // Out of range is the client's fault; a signing failure (a fault in the RSA operation) is ours.
        if (error instanceof BlindRsaError && error.reason !== 'signing failure')
          throw new TokenRequestInvalidError(index, error.reason);
        throw error;
      }
    }
    return responses;
  }

  /**
   * Accepts a header `PrivateToken token="..."` once. Everything cheap (size, parsing, type, key id, challenge) is
   * checked before the one RSA-PSS verification (~0.1 ms), and the nonce is spent only for a valid token.
   */
  async redeem(authorization: string): Promise<void> {
    const key = this.keys.key;
    let token;
    let bytes;
    try {
      bytes = parseAuthorization(authorization);
      token = decodeToken(bytes);
    } catch (error) {
      if (error instanceof TokenFormatError) throw new TokenInvalidError();
      throw error;
    }
    if (!key.tokenKeyId.equals(token.tokenKeyId)) throw new TokenInvalidError();
    if (!this.expectedDigest.equals(token.challengeDigest)) throw new TokenInvalidError();
    if (!verify(key.publicKey, bytes.subarray(0, AUTHENTICATOR_INPUT_LENGTH), token.authenticator))
      throw new TokenInvalidError();
    // In PostgreSQL, not Redis with an expiry: the issuer key does not expire, so neither may the record that a token
    // signed with it has paid (a Redis key that expired or was flushed let the same token pay again).
    if (!(await this.spentTokens.spend(token.nonce))) throw new TokenSpentError();
  }

  private async consume(userId: string, count: number): Promise<void> {
    const limit = this.config.privacy.tokensPerHour;
    let result: [number, number];
    try {
      result = (await this.redis.client.eval(
        CONSUME,
        1,
        this.redis.key('privacy', 'tokens', userId),
        count,
        HOUR_MS,
        limit,
      )) as [number, number];
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      this.logger.warn(`Tokens not issued to ${userId}, Redis unavailable: ${String(error)}`);
      throw new UnavailableError();
    }
    const [allowed, ttl] = result;
    if (allowed !== 1) throw new RateLimitedError(ttl > 0 ? ttl : HOUR_MS);
  }
}
