import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import request from 'supertest';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';

describe('conversations (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let consumer: TestUser;
  let stranger: TestUser;
  let persona: { id: string; slug: string };

  beforeAll(async () => {
    api = await startApi();
    [creator, consumer, stranger] = await Promise.all([
      signUp(api.url, 'creator'),
      signUp(api.url, 'consumer'),
      signUp(api.url, 'consumer'),
    ]);
    persona = (
      await request(api.url)
        .post('/v1/personas')
        .set(creator.auth)
        .send({ name: 'Greeter', firstMessage: 'Hello {{user}}, I am {{char}}.' })
        .expect(201)
    ).body;
  });
  afterAll(() => api.close());

  it('opens a conversation pinned to the current version, greeting the consumer by name', async () => {
    const started = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: persona.slug })
      .expect(201);
    expect(started.body).toMatchObject({ personaId: persona.id, personaVersion: 1 });
    expect(started.body.messages).toEqual([
      expect.objectContaining({
        role: 'assistant',
        content: `Hello ${consumer.handle}, I am Greeter.`,
        status: 'complete',
      }),
    ]);
    await request(api.url)
      .patch(`/v1/personas/${persona.id}`)
      .set(creator.auth)
      .send({ firstMessage: 'Changed.' })
      .expect(200);
    const history = await request(api.url)
      .get(`/v1/conversations/${started.body.id}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(history.body.data[0].content).toBe(`Hello ${consumer.handle}, I am Greeter.`);
  });

  it('shows messages to participants only, and pages backwards through history', async () => {
    const started = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: persona.id })
      .expect(201);
    const id = started.body.id as string;
    await request(api.url).get(`/v1/conversations/${id}/messages`).set(stranger.auth).expect(404);
    await request(api.url).get(`/v1/conversations/${id}/messages`).expect(401);

    // Chat writes turns through ConversationsRepository; here directly, to test paging on its own.
    const prisma = new PrismaService(AppConfig.fromProcessEnv());
    for (let i = 0; i < 5; i++) {
      await prisma.message.create({
        data: { conversationId: id, role: i % 2 ? 'assistant' : 'user', content: `m${i}` },
      });
    }
    await prisma.$disconnect();

    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page: request.Response = await request(api.url)
        .get(`/v1/conversations/${id}/messages`)
        .query({ limit: 2, ...(before ? { before } : {}) })
        .set(consumer.auth)
        .expect(200);
      seen.unshift(...page.body.data.map((m: { content: string }) => m.content));
      before = page.body.nextBefore;
    } while (before);
    expect(seen).toEqual([started.body.messages[0].content, 'm0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('refuses private personas of others and unknown ones with 404', async () => {
    const secret = await request(api.url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Hidden', visibility: 'private' })
      .expect(201);
    await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: secret.body.id })
      .expect(404);
    await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: 'no-such-persona' })
      .expect(404);
    const bad = await request(api.url).post('/v1/conversations').set(consumer.auth).send({}).expect(400);
    expect(bad.body.error.details[0].field).toBe('personaId');
  });
});
