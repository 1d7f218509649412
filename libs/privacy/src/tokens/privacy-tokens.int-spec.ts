import { CanActivate, ExecutionContext, INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Server } from 'node:http';
import { AllExceptionsFilter, createValidationPipe, ErrorCode } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule, PrismaService } from '@app/database';
import { RedisModule, RedisService } from '@app/redis';
import { blind, blindSign, finalize } from './blind-rsa';
import { IssuerKeyStore } from './issuer-key.store';
import { PrivacyTokensModule } from './tokens.module';
import { PrivacyTokensService } from './privacy-tokens.service';
import {
  challengeDigest,
  defaultChallenge,
  encodeChallenge,
  encodeToken,
  encodeTokenRequest,
  formatAuthorization,
  issuerSpki,
  TOKEN_TYPE_BLIND_RSA,
} from './token';
import { createTokenRequest } from './token-client';

const ISSUER = 'twinproof-test';
const PER_HOUR = 20;

// Stands in for the api's key guard: the caller is whoever the test names in a header.
class HeaderUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    const header = req.headers['x-test-user'];
    if (header) req.user = JSON.parse(header);
    return true;
  }
}

describe('Privacy Pass issuance and redemption (Redis and PostgreSQL)', () => {
  let dir: string;
  let app: INestApplication;
  let server: Server;
  let service: PrivacyTokensService;
  let keys: IssuerKeyStore;
  let config: AppConfig;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'privacy-tokens-'));
    config = AppConfig.fromProcessEnv({
      LOG_LEVEL: 'warn',
      PRIVACY_ISSUER_NAME: ISSUER,
      PRIVACY_ISSUER_KEY_FILE: join(dir, 'keys', 'issuer.pem'),
      PRIVATE_TOKENS_PER_HOUR: String(PER_HOUR),
    });
    class TestModule {}
    app = await NestFactory.create(
      {
        module: TestModule,
        imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, PrivacyTokensModule],
        providers: [
          { provide: APP_GUARD, useClass: HeaderUserGuard },
          { provide: APP_FILTER, useClass: AllExceptionsFilter },
        ],
      },
      { logger: ['error'] },
    );
    app.useGlobalPipes(createValidationPipe());
    await app.init();
    server = app.getHttpServer() as Server;
    service = app.get(PrivacyTokensService);
    keys = app.get(IssuerKeyStore);
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const user = (anonymous = false): string => JSON.stringify({ id: randomUUID(), anonymous });

  function issueOver(userHeader: string, tokenRequests: Uint8Array[]): request.Test {
    return request(server)
      .post('/v1/privacy/tokens')
      .set('x-test-user', userHeader)
      .send({ tokenRequests: tokenRequests.map((r) => Buffer.from(r).toString('base64url')) });
  }

  async function obtainToken(challenge = defaultChallenge(ISSUER)): Promise<Uint8Array> {
    const directory = await request(server).get('/v1/privacy/token-issuer').expect(200);
    const spki = Buffer.from(directory.body['token-keys'][0]['token-key'], 'base64url');
    const pending = createTokenRequest(spki, challenge);
    const issued = await issueOver(user(), [pending.request]).expect(200);
    return pending.finalize(Buffer.from(issued.body.tokenResponses[0], 'base64url'));
  }

  it('issues a token over HTTP that the client finalizes and the api redeems once', async () => {
    const token = await obtainToken();
    await expect(service.redeem(formatAuthorization(token))).resolves.toBeUndefined();
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_SPENT,
    });
  });

  it('remembers a spent nonce in PostgreSQL, so no expiry and no Redis flush lets the token pay again', async () => {
    const token = await obtainToken();
    await service.redeem(formatAuthorization(token));
    const redis = app.get(RedisService);
    // Whatever Redis holds about it is gone (a flush, an expiry): the token is still spent.
    const keys = await redis.client.keys(redis.key('privacy', 'spent', '*'));
    if (keys.length > 0) await redis.client.del(...keys);
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_SPENT,
    });
    const prisma = app.get(PrismaService);
    expect(
      await prisma.spentPrivacyToken.count({ where: { nonce: Buffer.from(token.subarray(2, 34)) } }),
    ).toBe(1);
  });

  it('refuses a validly signed token whose challenge names another issuer', async () => {
    const other = encodeChallenge({
      tokenType: TOKEN_TYPE_BLIND_RSA,
      issuerName: 'someone-else',
      redemptionContext: new Uint8Array(0),
      originInfo: '',
    });
    const token = await obtainToken(other);
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_INVALID,
    });
  });

  it('refuses a token from another issuer key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pending = createTokenRequest(publicKey, defaultChallenge(ISSUER));
    const token = pending.finalize(blindSign(privateKey, pending.request.subarray(3)));
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_INVALID,
    });
  });

  it("refuses a token our key signed whose token_key_id is not our key's", async () => {
    const { publicKey } = keys.key;
    const nonce = Buffer.alloc(32, 7);
    const digest = challengeDigest(defaultChallenge(ISSUER));
    const foreignKeyId = createHash('sha256').update('another key').digest();
    const input = Buffer.concat([Buffer.from([0, 2]), nonce, digest, foreignKeyId]);
    const { blindedMsg, inv } = blind(publicKey, input);
    const [blindSig] = await service.issue({ id: randomUUID() }, [
      encodeTokenRequest({ tokenType: 2, truncatedTokenKeyId: keys.key.truncatedTokenKeyId, blindedMsg }),
    ]);
    const authenticator = finalize(publicKey, input, blindSig, inv);
    const token = encodeToken({
      tokenType: 2,
      nonce,
      challengeDigest: digest,
      tokenKeyId: foreignKeyId,
      authenticator,
    });
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_INVALID,
    });
  });

  it('refuses a token with a tampered authenticator, and keeps its nonce unspent', async () => {
    const token = Buffer.from(await obtainToken());
    token[token.length - 1] ^= 1;
    await expect(service.redeem(formatAuthorization(token))).rejects.toMatchObject({
      code: ErrorCode.TOKEN_INVALID,
    });
    token[token.length - 1] ^= 1;
    await expect(service.redeem(formatAuthorization(token))).resolves.toBeUndefined();
  });

  it('refuses malformed headers as TOKEN_INVALID', async () => {
    for (const header of [
      '',
      'Bearer abc',
      'PrivateToken token="AAAA"',
      `PrivateToken token="${'A'.repeat(472)}"`,
    ])
      await expect(service.redeem(header)).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
  });

  it('answers 429 RATE_LIMITED past the hourly count, counting refused batches as nothing', async () => {
    const caller = user();
    const requests = (count: number): Uint8Array[] =>
      Array.from(
        { length: count },
        () => createTokenRequest(keys.key.publicKey, defaultChallenge(ISSUER)).request,
      );
    await issueOver(caller, requests(16)).expect(200);
    const refused = await issueOver(caller, requests(PER_HOUR - 16 + 1)).expect(429);
    expect(refused.body.error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const last = await issueOver(caller, requests(PER_HOUR - 16)).expect(200);
    expect(last.body.tokenResponses).toHaveLength(PER_HOUR - 16);
    await issueOver(caller, requests(1)).expect(429);
  });

  it('answers 400 to 17 requests in one call, over HTTP and at the service', async () => {
    const requests = Array.from(
      { length: 17 },
      () => createTokenRequest(keys.key.publicKey, defaultChallenge(ISSUER)).request,
    );
    const response = await issueOver(user(), requests).expect(400);
    expect(response.body.error.code).toBe(ErrorCode.VALIDATION_FAILED);
    await expect(service.issue({ id: randomUUID() }, requests)).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
  });

  it('answers 400 to a request for another key id or of the wrong size', async () => {
    const pending = createTokenRequest(keys.key.publicKey, defaultChallenge(ISSUER));
    const wrongKey = Buffer.from(pending.request);
    wrongKey[2] ^= 0xff;
    expect((await issueOver(user(), [wrongKey]).expect(400)).body.error.code).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
    await issueOver(user(), [pending.request.subarray(1)]).expect(400);
  });

  it('refuses anonymous private-chat users with 403', async () => {
    const pending = createTokenRequest(keys.key.publicKey, defaultChallenge(ISSUER));
    const response = await issueOver(user(true), [pending.request]).expect(403);
    expect(response.body.error.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('publishes the RFC 9578 directory, also at the well-known URI', async () => {
    const directory = (await request(server).get('/v1/privacy/token-issuer').expect(200)).body;
    expect(directory['issuer-request-uri']).toBe('/v1/privacy/tokens');
    expect(directory['token-keys']).toEqual([{ 'token-type': 2, 'token-key': expect.any(String) }]);
    expect(Buffer.from(directory['token-keys'][0]['token-key'], 'base64url')).toEqual(
      issuerSpki(keys.key.publicKey),
    );
    const wellKnown = await request(server).get('/.well-known/private-token-issuer-directory').expect(200);
    expect(wellKnown.headers['content-type']).toContain('application/private-token-issuer-directory');
    expect(JSON.parse(wellKnown.text)).toEqual(directory);
  });

  it('keeps the issuer key in a 0600 PKCS#8 file and loads the same key again', async () => {
    const file = config.privacy.issuerKeyFile;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = await new IssuerKeyStore(config).load();
    expect(again.tokenKeyId).toEqual(keys.key.tokenKeyId);
  });

  it('creates one key when several stores start at once on a missing file', async () => {
    const racing = AppConfig.fromProcessEnv({ PRIVACY_ISSUER_KEY_FILE: join(dir, 'race', 'issuer.pem') });
    const loaded = await Promise.all([1, 2, 3].map(() => new IssuerKeyStore(racing).load()));
    const ids = new Set(loaded.map((key) => key.tokenKeyId.toString('hex')));
    expect(ids.size).toBe(1);
  });
});
