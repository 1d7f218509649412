import request from 'supertest';
import { PrismaService } from '@app/database';
import { signHeartbeat, signRegistration } from '@app/node-protocol';
import { type HDNodeWallet, isAddress, Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';
import { listNodes } from './support/node-processes';

const REGISTRATIONS_PER_HOUR = 4;
// Short, so the in-process node's heartbeats are seen within a second; long enough that a node listed right after
// its registration or heartbeat is still within 3 intervals.
const HEARTBEAT_MS = 250;
const IN_PROCESS_NAME = `in-process-${randomUUID().slice(0, 8)}`;
// The nodes registered here listen nowhere: they serve a model no persona names, so no other file's api routes to them.
const MODEL_ID = 'nodes-e2e';
type NodeKey = Wallet | HDNodeWallet;

describe('node registry: register, heartbeat, revoke, list (e2e)', () => {
  let api: ApiHarness;
  let prisma: PrismaService;

  beforeAll(async () => {
    api = await startApi({
      NODE_REGISTRATIONS_PER_HOUR: String(REGISTRATIONS_PER_HOUR),
      NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      NODE_NAME: IN_PROCESS_NAME,
    });
    prisma = api.app.get(PrismaService);
  });
  afterAll(() => api.close());

  async function registrationBody(
    operatorId: string,
    key: NodeKey,
    overrides: { issuedAt?: number; signer?: NodeKey; url?: string } = {},
  ) {
    const url = overrides.url ?? `http://127.0.0.1:${4000 + Math.floor(Math.random() * 1000)}`;
    const issuedAt = overrides.issuedAt ?? Date.now();
    const signature = await signRegistration(overrides.signer ?? key, {
      operatorUserId: operatorId,
      address: key.address,
      url,
      issuedAt,
    });
    return {
      address: key.address,
      name: 'box',
      url,
      modelIds: [MODEL_ID],
      region: 'eu-west',
      issuedAt,
      signature,
    };
  }

  async function register(operator: TestUser, key = Wallet.createRandom()) {
    const response = await request(api.url)
      .post('/v1/nodes')
      .set(operator.auth)
      .send(await registrationBody(operator.id, key))
      .expect(201);
    return { id: response.body.id as string, key, body: response.body };
  }

  async function heartbeat(
    id: string,
    key: NodeKey,
    fields: { at?: number; status?: 'active' | 'draining'; outstanding?: number },
    expected: number,
  ) {
    const body = {
      at: fields.at ?? Date.now(),
      status: fields.status ?? 'active',
      outstanding: fields.outstanding ?? 0,
    };
    const signature = await signHeartbeat(key, { nodeId: id, ...body });
    return request(api.url)
      .post(`/v1/nodes/${id}/heartbeat`)
      .send({ ...body, signature })
      .expect(expected);
  }

  // What the api's liveness probe records when a node answers it: these nodes listen nowhere, so the test stands in
  // (test/node-probe.e2e-spec.ts runs the real probe). Fresh for 3 heartbeat intervals.
  async function probed(id: string) {
    await prisma.node.update({ where: { id }, data: { probedAt: new Date() } });
  }

  async function listed(id: string) {
    return (await listNodes(api.url)).find((node) => node.id === id);
  }

  it('registers an operator’s node with a dev attestation and the router’s address, and lists it healthy once probed', async () => {
    const operator = await signUp(api.url, 'operator');
    const { id, key, body } = await register(operator);
    expect(body).toMatchObject({ id, address: key.address, status: 'active' });
    expect(body.attestation).toMatchObject({ kind: 'dev', document: expect.any(String) });
    expect(isAddress(body.routerAddress)).toBe(true);

    expect(await listed(id)).toEqual({
      id,
      name: 'box',
      address: key.address,
      operator: operator.handle,
      modelIds: [MODEL_ID],
      region: 'eu-west',
      provider: null,
      attestationKind: 'dev',
      status: 'active',
      lastHeartbeatAt: expect.any(String),
      // On probation: nothing has reached it at its URL yet.
      healthy: false,
    });
    // The heartbeat's answer tells the node too, whose operator does not read the api's log.
    expect((await heartbeat(id, key, {}, 200)).body).toMatchObject({ status: 'active', probed: false });
    await probed(id);
    expect(await listed(id)).toMatchObject({ status: 'active', healthy: true });
    expect((await heartbeat(id, key, {}, 200)).body).toMatchObject({ status: 'active', probed: true });
  });

  it('checks the proof: another key, another operator’s id, or a stale time is refused with 400', async () => {
    const operator = await signUp(api.url, 'operator');
    const key = Wallet.createRandom();
    const cases = [
      await registrationBody(operator.id, key, { signer: Wallet.createRandom() }),
      await registrationBody(randomUUID(), key),
      await registrationBody(operator.id, key, { issuedAt: Date.now() - 6 * 60_000 }),
    ];
    for (const body of cases) {
      const response = await request(api.url).post('/v1/nodes').set(operator.auth).send(body).expect(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(response.body.error.details[0].field).toBe('signature');
    }
    expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
  });

  it('refuses malformed registrations field by field, never with a 500', async () => {
    const operator = await signUp(api.url, 'operator');
    const good = await registrationBody(operator.id, Wallet.createRandom());
    const bad: Record<string, unknown>[] = [
      { ...good, address: 'not-an-address' },
      { ...good, url: 'ftp://example.com' },
      { ...good, modelIds: [] },
      { ...good, issuedAt: 'soon' },
      { ...good, signature: '0x1234' },
    ];
    for (const body of bad) {
      const response = await request(api.url).post('/v1/nodes').set(operator.auth).send(body).expect(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a url with a user name or password, or naming a link-local or cloud metadata host (400)', async () => {
    const operator = await signUp(api.url, 'operator');
    for (const url of [
      'http://user:pw@127.0.0.1:4001',
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]:8080',
      'http://metadata.google.internal',
    ]) {
      const key = Wallet.createRandom();
      const body = await registrationBody(operator.id, key, { url });
      const response = await request(api.url).post('/v1/nodes').set(operator.auth).send(body).expect(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details[0].field).toBe('url');
      expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
    }
  });

  it('lets only its operator re-register an address: another operator gets 409', async () => {
    const owner = await signUp(api.url, 'operator');
    const rival = await signUp(api.url, 'operator');
    const { id, key } = await register(owner);
    const taken = await request(api.url)
      .post('/v1/nodes')
      .set(rival.auth)
      .send(await registrationBody(rival.id, key))
      .expect(409);
    expect(taken.body.error.code).toBe('CONFLICT');
    const again = await register(owner, key);
    expect(again.id).toBe(id);
    expect((await listed(id))?.operator).toBe(owner.handle);
  });

  it('refuses registration without a key (401) and from a consumer or creator (403)', async () => {
    const key = Wallet.createRandom();
    await request(api.url)
      .post('/v1/nodes')
      .send(await registrationBody(randomUUID(), key))
      .expect(401);
    for (const role of ['consumer', 'creator'] as const) {
      const user = await signUp(api.url, role);
      const response = await request(api.url)
        .post('/v1/nodes')
        .set(user.auth)
        .send(await registrationBody(user.id, key))
        .expect(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
  });

  it('limits registrations per operator per hour (429), without touching another operator', async () => {
    const flooder = await signUp(api.url, 'operator');
    for (let i = 0; i < REGISTRATIONS_PER_HOUR; i += 1) await register(flooder);
    const refused = await request(api.url)
      .post('/v1/nodes')
      .set(flooder.auth)
      .send(await registrationBody(flooder.id, Wallet.createRandom()))
      .expect(429);
    expect(refused.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    await register(await signUp(api.url, 'operator'));
  });

  it('takes heartbeats signed by the node key: draining takes the node out of rotation, a fresh one restores it', async () => {
    const { id, key, body } = await register(await signUp(api.url, 'operator'));
    await prisma.node.update({ where: { id }, data: { lastHeartbeatAt: new Date(Date.now() - 60_000) } });
    expect((await listed(id))?.healthy).toBe(false);

    const beat = await heartbeat(id, key, {}, 200);
    expect(beat.body).toEqual({ status: 'active', routerAddress: body.routerAddress, probed: false });
    await probed(id);
    expect((await listed(id))?.healthy).toBe(true);

    expect((await heartbeat(id, key, { status: 'draining', outstanding: 2 }, 200)).body).toMatchObject({
      status: 'draining',
    });
    expect(await listed(id)).toMatchObject({ status: 'draining', healthy: false });
  });

  it('reports a node whose heartbeats stopped as offline (read time, row untouched) until it heartbeats again', async () => {
    const offline = async () =>
      ((await request(api.url).get('/v1/network').expect(200)).body as { nodes: { offline: number } }).nodes
        .offline;
    // Nodes earlier tests registered stop heartbeating: let them all go silent first, so only ours moves the count.
    await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
    const before = await offline();
    const { id, key } = await register(await signUp(api.url, 'operator'));
    const silent = { lastHeartbeatAt: new Date(Date.now() - 60_000) };
    await prisma.node.update({ where: { id }, data: silent });
    expect(await listed(id)).toMatchObject({ status: 'offline', healthy: false });
    expect(await offline()).toBe(before + 1);
    // Derived, never stored: the row keeps what the node last said.
    expect((await prisma.node.findUniqueOrThrow({ where: { id } })).status).toBe('active');

    await heartbeat(id, key, {}, 200);
    await probed(id);
    expect(await listed(id)).toMatchObject({ status: 'active', healthy: true });
    expect(await offline()).toBe(before);

    // A draining node that then stops (SIGKILL after SIGTERM) is offline too.
    await heartbeat(id, key, { status: 'draining' }, 200);
    await prisma.node.update({ where: { id }, data: silent });
    expect(await listed(id)).toMatchObject({ status: 'offline', healthy: false });
  });

  it('refuses heartbeats: another key 401, a stale time 400, an unknown node 404, a malformed one 400', async () => {
    const { id, key } = await register(await signUp(api.url, 'operator'));
    const stranger = await heartbeat(id, Wallet.createRandom(), {}, 401);
    expect(stranger.body.error.code).toBe('UNAUTHENTICATED');
    const stale = await heartbeat(id, key, { at: Date.now() - 2 * 60_000 }, 400);
    expect(stale.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'at' }] });
    const unknown = await heartbeat(randomUUID(), key, {}, 404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');

    const at = Date.now();
    const signed = await heartbeat(id, key, { at }, 200);
    expect(signed.body.status).toBe('active');
    // The same signed heartbeat again (or an older one): a replay must not keep a dead node listed healthy.
    const replayed = await heartbeat(id, key, { at }, 400);
    expect(replayed.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'at' }] });
    await heartbeat(id, key, { at: at - 1_000 }, 400);
    await heartbeat(id, key, { at: at + 1 }, 200);
    await request(api.url)
      .post(`/v1/nodes/${id}/heartbeat`)
      .send({ at: Date.now(), outstanding: -1, status: 'active', signature: '0x00' })
      .expect(400);
    await request(api.url).post('/v1/nodes/not-a-uuid/heartbeat').send({}).expect(400);
    // A stranger's signature over a changed status changes nothing.
    expect((await listed(id))?.status).toBe('active');
  });

  it('lets only the node’s operator or an admin revoke it; a revoked node is told so and cannot come back', async () => {
    const owner = await signUp(api.url, 'operator');
    const { id, key } = await register(owner);
    for (const role of ['operator', 'consumer'] as const) {
      const other = await signUp(api.url, role);
      const response = await request(api.url).delete(`/v1/nodes/${id}`).set(other.auth).expect(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    await request(api.url).delete(`/v1/nodes/${id}`).expect(401);
    await request(api.url).delete(`/v1/nodes/${randomUUID()}`).set(owner.auth).expect(404);
    expect((await listed(id))?.status).toBe('active');

    await request(api.url).delete(`/v1/nodes/${id}`).set(owner.auth).expect(204);
    expect(await listed(id)).toMatchObject({ status: 'revoked', healthy: false });

    const told = await heartbeat(id, key, {}, 403);
    expect(told.body.error).toMatchObject({ code: 'FORBIDDEN', details: { status: 'revoked' } });
    const back = await request(api.url)
      .post('/v1/nodes')
      .set(owner.auth)
      .send(await registrationBody(owner.id, key))
      .expect(403);
    expect(back.body.error.code).toBe('FORBIDDEN');
    expect((await listed(id))?.status).toBe('revoked');
  });

  it('lists the api’s in-process node, which keeps itself healthy by heartbeating', async () => {
    const find = async () => (await listNodes(api.url)).find((node) => node.name === IN_PROCESS_NAME);
    expect(await find()).toMatchObject({ operator: null, attestationKind: 'dev', status: 'active' });
    await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
    expect(await find()).toMatchObject({ healthy: true });
  });

  it('lets an admin revoke any operator’s node', async () => {
    const { id } = await register(await signUp(api.url, 'operator'));
    const admin = await signUp(api.url, 'consumer');
    await prisma.user.update({ where: { id: admin.id }, data: { role: 'admin' } });
    await request(api.url).delete(`/v1/nodes/${id}`).set(admin.auth).expect(204);
    expect((await listed(id))?.status).toBe('revoked');
  });

  it('lets a persona name a model only a registered node serves, and refuses it once that node is revoked', async () => {
    const creator = await signUp(api.url, 'creator');
    const create = () =>
      request(api.url).post('/v1/personas').set(creator.auth).send({ name: 'Remote', modelId: MODEL_ID });
    const operator = await signUp(api.url, 'operator');
    const { id } = await register(operator);
    await create().expect(201);
    await request(api.url).delete(`/v1/nodes/${id}`).set(operator.auth).expect(204);
    // Another test's node may still list the model: only revoked and suspect nodes stop counting.
    await prisma.node.updateMany({ where: { modelIds: { has: MODEL_ID } }, data: { status: 'revoked' } });
    const refused = await create().expect(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(refused.body.error)).toContain('a registered node serves');
  });

  it('holds an operator whose key turned suspect: no new key, no self-revoke, until an admin revokes the suspect one', async () => {
    const operator = await signUp(api.url, 'operator');
    const { id } = await register(operator);
    // What a disputed spot check does to the key (test/spot-checks.e2e-spec.ts runs the real thing).
    await prisma.node.update({ where: { id }, data: { status: 'suspect' } });
    const refused = await request(api.url)
      .post('/v1/nodes')
      .set(operator.auth)
      .send(await registrationBody(operator.id, Wallet.createRandom()))
      .expect(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { status: 'suspect' } });
    const selfRevoke = await request(api.url).delete(`/v1/nodes/${id}`).set(operator.auth).expect(403);
    expect(selfRevoke.body.error.details).toMatchObject({ status: 'suspect' });
    expect((await listed(id))?.status).toBe('suspect');
    // Another operator is not held by it.
    await register(await signUp(api.url, 'operator'));
    const admin = await signUp(api.url, 'consumer');
    await prisma.user.update({ where: { id: admin.id }, data: { role: 'admin' } });
    await request(api.url).delete(`/v1/nodes/${id}`).set(admin.auth).expect(204);
    await register(operator);
  });

  it('pages GET /v1/nodes newest first with an opaque cursor, each node once, and refuses a forged cursor', async () => {
    const operator = await signUp(api.url, 'operator');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await register(operator)).id);
    const first = await request(api.url).get('/v1/nodes?limit=2').expect(200);
    expect(first.body.data.map((n: { id: string }) => n.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(api.url)
      .get(`/v1/nodes?limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`)
      .expect(200);
    expect(second.body.data[0].id).toBe(ids[0]);
    const everyId = (await listNodes(api.url)).map((n) => n.id);
    expect(new Set(everyId).size).toBe(everyId.length);
    expect(everyId).toEqual(expect.arrayContaining(ids));
    const forged = await request(api.url).get('/v1/nodes?cursor=eyJraW5kIjoia2V5c2V0In0').expect(400);
    expect(forged.body.error.code).toBe('VALIDATION_FAILED');
    await request(api.url).get('/v1/nodes?limit=101').expect(400);
    for (const id of ids) await request(api.url).delete(`/v1/nodes/${id}`).set(operator.auth).expect(204);
  });
});
