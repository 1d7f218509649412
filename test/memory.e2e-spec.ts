import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

describe('consumer control of memories (e2e)', () => {
  let api: ApiHarness;
  let prisma: PrismaService;
  // Each test has its own persona, consumers and memories (beforeEach): none depends on another having run.
  let alice: TestUser;
  let bob: TestUser;
  let personaId: string;
  let alicesMemoryId: string;

  beforeAll(async () => {
    api = await startApi();
    prisma = new PrismaService(AppConfig.fromProcessEnv());
  });
  beforeEach(async () => {
    const creator = await signUp(api.url, 'creator');
    [alice, bob] = await Promise.all([signUp(api.url, 'consumer'), signUp(api.url, 'consumer')]);
    personaId = (await createPersona(api.url, creator, { name: 'Keeper' })).id;
    // The memory job writes these after chat turns; here they are written directly.
    const created = await prisma.memory.createManyAndReturn({
      data: [
        { personaId, userId: alice.id, scope: 'user', kind: 'fact', content: 'my dog is called Rex' },
        { personaId, userId: bob.id, scope: 'user', kind: 'fact', content: 'my dog is called Fido' },
      ],
    });
    alicesMemoryId = created.find((m) => m.userId === alice.id)!.id;
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await api.close();
  });

  it('lists only the caller’s own memories of a persona', async () => {
    const mine = await request(api.url).get(`/v1/personas/${personaId}/memories`).set(alice.auth).expect(200);
    expect(mine.body.data.map((m: { content: string }) => m.content)).toEqual(['my dog is called Rex']);
    await request(api.url).get(`/v1/personas/${personaId}/memories`).expect(401);
  });

  it('lets the owner correct a memory, and nobody else', async () => {
    await request(api.url)
      .patch(`/v1/memories/${alicesMemoryId}`)
      .set(bob.auth)
      .send({ content: 'hacked' })
      .expect(404);
    const fixed = await request(api.url)
      .patch(`/v1/memories/${alicesMemoryId}`)
      .set(alice.auth)
      .send({ content: 'my dog is called Rex II' })
      .expect(200);
    expect(fixed.body.content).toBe('my dog is called Rex II');
    const bad = await request(api.url)
      .patch(`/v1/memories/${alicesMemoryId}`)
      .set(alice.auth)
      .send({ content: '' })
      .expect(400);
    expect(bad.body.error.message).toContain('DELETE');
    const listed = await request(api.url)
      .get(`/v1/personas/${personaId}/memories`)
      .set(alice.auth)
      .expect(200);
    expect(listed.body.data.map((m: { content: string }) => m.content)).toEqual(['my dog is called Rex II']);
  });

  it('exports everything about the caller without any key secret', async () => {
    const exported = await request(api.url).get('/v1/me/export').set(alice.auth).expect(200);
    expect(exported.body.user).toMatchObject({ id: alice.id, handle: alice.handle });
    expect(exported.body.memories.map((m: { content: string }) => m.content)).toEqual([
      'my dog is called Rex',
    ]);
    expect(JSON.stringify(exported.body)).not.toContain(alice.apiKey);
    expect(JSON.stringify(exported.body)).not.toContain('hash');
    expect(JSON.stringify(exported.body)).not.toContain('Fido');
  });

  it('forgets a memory for good', async () => {
    await request(api.url).delete(`/v1/memories/${alicesMemoryId}`).set(bob.auth).expect(404);
    await request(api.url).delete(`/v1/memories/${alicesMemoryId}`).set(alice.auth).expect(204);
    await request(api.url).delete(`/v1/memories/${alicesMemoryId}`).set(alice.auth).expect(404);
    expect(await prisma.memory.count({ where: { id: alicesMemoryId } })).toBe(0);
    const bobs = await request(api.url).get(`/v1/personas/${personaId}/memories`).set(bob.auth).expect(200);
    expect(bobs.body.data.map((m: { content: string }) => m.content)).toEqual(['my dog is called Fido']);
  });
});
