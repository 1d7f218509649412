import request from 'supertest';
import { PrismaService } from '@app/database';
import { signHeartbeat, signRegistration } from '@app/node-protocol';
import { LocalNode } from '@app/network';
import { checkGatewayKeys, signGatewayKeys } from '@app/privacy/gateway';
import {
  decodeResponse,
  encapsulateRequest,
  encodeKeyConfigs,
  encodeRequest,
  generateGatewayKey,
  MEDIA,
  parseKeyConfigs,
} from '@app/privacy/ohttp';
import { createTokenRequest } from '@app/privacy/tokens/token-client';
import { defaultChallenge, formatAuthorization } from '@app/privacy/tokens/token';
import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

const KEY_VALIDITY_MS = 60 * 60_000;

interface Gateway {
  nodeId: string;
  nodeAddress: string;
  operatorId: string | null;
  gatewayUrl: string;
  keyConfig: string;
  keySignature: string;
  keysExpireAt: string;
}

describe('privacy registry: relays, gateways, private tokens at the edge, the in-process gateway (e2e)', () => {
  let api: ApiHarness;
  let prisma: PrismaService;
  let operator: TestUser;

  beforeAll(async () => {
    api = await startApi({ NODE_NAME: `in-process-${randomUUID().slice(0, 8)}` });
    prisma = api.app.get(PrismaService);
    operator = await signUp(api.url, 'operator');
  });
  afterAll(() => api.close());

  const relayUrl = () => `https://relay-${randomUUID().slice(0, 8)}.example.org`;

  describe('relays', () => {
    it('registers a relay for an operator and lists it publicly with its operator', async () => {
      const url = relayUrl();
      const created = await request(api.url)
        .post('/v1/privacy/relays')
        .set(operator.auth)
        .send({ url, name: 'Friendly relay' })
        .expect(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        url,
        name: 'Friendly relay',
        operator: { id: operator.id, handle: operator.handle },
      });
      const listed = await request(api.url).get('/v1/privacy/relays').expect(200);
      expect(listed.body.data).toContainEqual(created.body);
    });

    it('refuses registration without a key (401) and from a consumer (403)', async () => {
      await request(api.url).post('/v1/privacy/relays').send({ url: relayUrl(), name: 'r' }).expect(401);
      const consumer = await signUp(api.url, 'consumer');
      const response = await request(api.url)
        .post('/v1/privacy/relays')
        .set(consumer.auth)
        .send({ url: relayUrl(), name: 'r' })
        .expect(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    });

    it('validates url and name field by field (400), and refuses a url registered already (409)', async () => {
      for (const [body, field] of [
        [{ url: 'ftp://relay.example.org', name: 'r' }, 'url'],
        [{ url: 'not a url', name: 'r' }, 'url'],
        [{ url: relayUrl(), name: '' }, 'name'],
        [{ url: relayUrl(), name: 'x'.repeat(101) }, 'name'],
        [{ url: relayUrl() }, 'name'],
      ] as const) {
        const response = await request(api.url)
          .post('/v1/privacy/relays')
          .set(operator.auth)
          .send(body)
          .expect(400);
        expect(response.body.error.code).toBe('VALIDATION_FAILED');
        expect(response.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      const url = relayUrl();
      await request(api.url)
        .post('/v1/privacy/relays')
        .set(operator.auth)
        .send({ url, name: 'a' })
        .expect(201);
      const rival = await signUp(api.url, 'operator');
      const taken = await request(api.url)
        .post('/v1/privacy/relays')
        .set(rival.auth)
        .send({ url: `${url}/`, name: 'b' })
        .expect(409);
      expect(taken.body.error.code).toBe('CONFLICT');
    });

    it('lets only its operator remove a relay (403 for another), then it is gone (404 again)', async () => {
      const created = await request(api.url)
        .post('/v1/privacy/relays')
        .set(operator.auth)
        .send({ url: relayUrl(), name: 'short-lived' })
        .expect(201);
      const id = created.body.id as string;
      const rival = await signUp(api.url, 'operator');
      const refused = await request(api.url).delete(`/v1/privacy/relays/${id}`).set(rival.auth).expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
      await request(api.url).delete(`/v1/privacy/relays/${id}`).set(operator.auth).expect(204);
      const listed = await request(api.url).get('/v1/privacy/relays').expect(200);
      expect(listed.body.data.map((r: { id: string }) => r.id)).not.toContain(id);
      const again = await request(api.url).delete(`/v1/privacy/relays/${id}`).set(operator.auth).expect(404);
      expect(again.body.error.code).toBe('NOT_FOUND');
      await request(api.url).delete(`/v1/privacy/relays/${randomUUID()}`).set(operator.auth).expect(404);
      const bad = await request(api.url)
        .delete('/v1/privacy/relays/not-a-uuid')
        .set(operator.auth)
        .expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('gateways', () => {
    async function inProcessGateway(): Promise<Gateway> {
      const nodeId = api.app.get(LocalNode).gatewayIdentity!.nodeId;
      let found: Gateway | undefined;
      await waitFor(async () => {
        const listed = await request(api.url).get('/v1/privacy/gateways').expect(200);
        found = (listed.body.data as Gateway[]).find((g) => g.nodeId === nodeId);
        return found !== undefined;
      }, 'the in-process node among the gateways');
      return found!;
    }

    it('lists the in-process node with a relative gateway url and keys its attested address signed', async () => {
      const gateway = await inProcessGateway();
      expect(gateway).toMatchObject({ operatorId: null, gatewayUrl: '/v1/privacy/ohttp' });
      const configs = parseKeyConfigs(Buffer.from(gateway.keyConfig, 'base64'));
      expect(configs.length).toBeGreaterThanOrEqual(1);
      const signed = {
        keyConfig: gateway.keyConfig,
        signature: gateway.keySignature,
        expiresAt: gateway.keysExpireAt,
      };
      expect(checkGatewayKeys(gateway.nodeAddress, signed, new Date()).ok).toBe(true);
      expect(checkGatewayKeys(Wallet.createRandom().address, signed, new Date()).ok).toBe(false);

      const keys = await request(api.url)
        .get('/v1/privacy/ohttp-keys')
        .buffer(true)
        .parse((res, done) => {
          const parts: Buffer[] = [];
          res.on('data', (p: Buffer) => parts.push(p));
          res.on('end', () => done(null, Buffer.concat(parts)));
        })
        .expect(200);
      expect(keys.headers['content-type']).toBe(MEDIA.keys);
      expect((keys.body as Buffer).toString('base64')).toBe(gateway.keyConfig);
    });

    it('refuses a heartbeat whose OHTTP keys another key signed (400), leaving the stored keys as they were', async () => {
      const key = Wallet.createRandom();
      const url = `http://127.0.0.1:${4000 + Math.floor(Math.random() * 1000)}`;
      const issuedAt = Date.now();
      const registered = await request(api.url)
        .post('/v1/nodes')
        .set(operator.auth)
        .send({
          address: key.address,
          name: 'gateway box',
          url,
          modelIds: ['privacy-registry-e2e'],
          region: 'eu-west',
          issuedAt,
          signature: await signRegistration(key, {
            operatorUserId: operator.id,
            address: key.address,
            url,
            issuedAt,
          }),
        })
        .expect(201);
      const nodeId = registered.body.id as string;
      const expires = new Date(Date.now() + KEY_VALIDITY_MS);
      const body = encodeKeyConfigs([(await generateGatewayKey(7)).config]);
      const heartbeat = async (ohttpKeys: unknown, expected: number) => {
        const fields = { at: Date.now(), status: 'active' as const, outstanding: 0 };
        const signature = await signHeartbeat(key, { nodeId, ...fields });
        return request(api.url)
          .post(`/v1/nodes/${nodeId}/heartbeat`)
          .send({ ...fields, signature, ohttpKeys })
          .expect(expected);
      };
      const good = await signGatewayKeys(key, body, expires);
      await heartbeat(good, 200);
      expect((await prisma.node.findUnique({ where: { id: nodeId } }))?.ohttpKeys).toEqual(good);

      const forged = await signGatewayKeys(Wallet.createRandom(), body, expires);
      const refused = await heartbeat(forged, 400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      expect(refused.body.error.details[0].field).toBe('ohttpKeys');
      expect((await prisma.node.findUnique({ where: { id: nodeId } }))?.ohttpKeys).toEqual(good);
    });
  });

  describe('PrivateToken at the edge', () => {
    it('refuses a PrivateToken on routes that do not take one (401 UNAUTHENTICATED)', async () => {
      for (const path of ['/v1/me', '/v1/models']) {
        const response = await request(api.url)
          .get(path)
          .set('Authorization', 'PrivateToken token="AAAA"')
          .expect(401);
        expect(response.body.error.code).toBe('UNAUTHENTICATED');
      }
    });

    it('refuses a garbage PrivateToken on chat completions (401 TOKEN_INVALID)', async () => {
      const response = await request(api.url)
        .post('/v1/chat/completions')
        .set('Authorization', 'PrivateToken token="AAAA"')
        .send({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] })
        .expect(401);
      expect(response.body.error.code).toBe('TOKEN_INVALID');
    });
  });

  it('answers a sealed private chat through the in-process gateway, with a session key that reads its proof', async () => {
    const creator = await signUp(api.url, 'creator');
    const consumer = await signUp(api.url, 'consumer');
    const { slug } = await createPersona(api.url, creator, { name: 'Oracle', personality: 'calm' });

    const directory = await request(api.url).get('/v1/privacy/token-issuer').expect(200);
    const spki = Buffer.from(directory.body['token-keys'][0]['token-key'] as string, 'base64url');
    const pending = createTokenRequest(spki, defaultChallenge('twinproof'));
    const issued = await request(api.url)
      .post('/v1/privacy/tokens')
      .set(consumer.auth)
      .send({ tokenRequests: [Buffer.from(pending.request).toString('base64url')] })
      .expect(200);
    const token = pending.finalize(Buffer.from(issued.body.tokenResponses[0] as string, 'base64url'));

    const keys = await fetch(`${api.url}/v1/privacy/ohttp-keys`);
    const config = parseKeyConfigs(new Uint8Array(await keys.arrayBuffer()))[0];
    const inner = new Request('https://gateway.invalid/v1/chat/completions', {
      method: 'POST',
      headers: {
        authorization: formatAuthorization(token),
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ model: slug, stream: false, messages: [{ role: 'user', content: 'Hello!' }] }),
    });
    const { encapsulated, response: opener } = await encapsulateRequest(config, await encodeRequest(inner));
    const outer = await fetch(`${api.url}/v1/privacy/ohttp`, {
      method: 'POST',
      headers: { 'content-type': MEDIA.request },
      body: encapsulated,
    });
    expect(outer.status).toBe(200);
    expect(outer.headers.get('content-type')).toBe(MEDIA.response);
    expect(outer.headers.get('x-private-session-key')).toBeNull();
    const answer = decodeResponse(await opener.open(new Uint8Array(await outer.arrayBuffer())));
    expect(answer.status).toBe(200);
    const sessionKey = answer.headers.get('x-private-session-key');
    expect(sessionKey).toEqual(expect.any(String));
    const completion = (await answer.json()) as {
      choices: { message: { content: string } }[];
      inference_id: string;
    };
    expect(completion.choices[0].message.content.length).toBeGreaterThan(0);
    const inferenceId = answer.headers.get('x-inference-id') ?? completion.inference_id;
    expect(inferenceId).toBe(completion.inference_id);

    const proof = await request(api.url)
      .get(`/v1/inferences/${inferenceId}`)
      .set('Authorization', `Bearer ${sessionKey}`)
      .expect(200);
    expect(proof.body).toMatchObject({ id: inferenceId });
    // The session is the participant: its bundle carries the reply; the consumer's own key is not (unlinkable).
    const bundle = await request(api.url)
      .get(`/v1/inferences/${inferenceId}/bundle`)
      .set('Authorization', `Bearer ${sessionKey}`)
      .expect(200);
    expect(bundle.body.content).toBe(completion.choices[0].message.content);
    const outsider = await request(api.url)
      .get(`/v1/inferences/${inferenceId}/bundle`)
      .set(consumer.auth)
      .expect(200);
    expect(outsider.body.content).toBeUndefined();
  });
});
