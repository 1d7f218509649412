import OpenAI from 'openai';
import request from 'supertest';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

describe('OpenAI-compatible endpoint with the official openai client (e2e)', () => {
  let api: ApiHarness;
  let creator: TestUser;
  let consumer: TestUser;
  let client: OpenAI;
  let slug: string;

  beforeAll(async () => {
    api = await startApi();
    [creator, consumer] = await Promise.all([signUp(api.url, 'creator'), signUp(api.url, 'consumer')]);
    slug = (await createPersona(api.url, creator, { name: 'Oracle', personality: 'calm' })).slug;
    client = new OpenAI({ apiKey: consumer.apiKey, baseURL: `${api.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => api.close());

  it('lists personas as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain(slug);
  });

  it('answers without streaming, with the inference id in the header and the body', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: slug, messages: [{ role: 'user', content: 'Hello!' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toEqual(expect.stringContaining('Oracle'));
    const inferenceId = (data as unknown as { inference_id: string }).inference_id;
    expect(response.headers.get('x-inference-id')).toBe(inferenceId);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams, with the inference id on the final chunk, and continues a conversation by X-Conversation-Id', async () => {
    const stream = await client.chat.completions
      .create({ model: slug, stream: true, messages: [{ role: 'user', content: 'My name is Ada.' }] })
      .withResponse();
    const conversationId = stream.response.headers.get('x-conversation-id');
    let text = '';
    let inferenceId: string | undefined;
    for await (const chunk of stream.data) {
      text += chunk.choices[0]?.delta?.content ?? '';
      inferenceId ??= (chunk as unknown as { inference_id?: string }).inference_id;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(inferenceId).toBe(stream.response.headers.get('x-inference-id'));

    await client.chat.completions.create(
      { model: slug, messages: [{ role: 'user', content: 'And again.' }] },
      { headers: { 'X-Conversation-Id': conversationId ?? '' } },
    );
    const history = await request(api.url)
      .get(`/v1/conversations/${conversationId}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(
      history.body.data
        .filter((m: { role: string }) => m.role === 'user')
        .map((m: { content: string }) => m.content),
    ).toEqual(['My name is Ada.', 'And again.']);
  });

  it('answers unknown models and bad requests with clear errors the client surfaces', async () => {
    await expect(
      client.chat.completions.create({
        model: 'no-such-persona',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      client.chat.completions.create({ model: slug, messages: [{ role: 'system', content: 'only system' }] }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
