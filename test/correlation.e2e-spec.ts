import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { LogCapture } from '@app/common/testing/log-capture';
import { OpenAiStandIn, startOpenAiStandIn } from '@app/inference/testing/openai-stand-in';
import { jobIds } from '@app/queue';
import { connectChat, startReply, watchProofUpdates } from '@app/testing';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createApi } from '../apps/api/src/bootstrap';
import { createWorker } from '../apps/worker/src/bootstrap';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { signUp, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

type Line = Record<string, unknown>;

/**
 * A chat message's id follows it through the logs of the api and the worker: the socket event that sent it, the
 * model call (as X-Request-Id upstream), the stored and signed reply, and each job the reply caused.
 */
describe('correlation ids in the logs (e2e)', () => {
  // One destination for both apps: in one process, nestjs-pino writes through the first app's pino logger.
  const logs = new LogCapture();
  let upstream: OpenAiStandIn;
  let api: INestApplication;
  let url: string;
  let worker: INestApplicationContext;
  let consumer: TestUser;
  let socket: Socket;
  let sent: { userMessageId: string; assistantMessageId: string; inferenceId: string };

  beforeAll(async () => {
    upstream = await startOpenAiStandIn({ kind: 'reply', tokens: ['Noted', '.'] });
    const config = AppConfig.fromProcessEnv({
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      PORT: '0',
      HOST: '127.0.0.1',
      SIGNUP_RATE_LIMIT_PER_HOUR: '100000',
      RATE_LIMIT_PER_MINUTE: '100000',
      OPENAI_MODEL_ID: 'upstream',
      OPENAI_BASE_URL: upstream.baseURL,
      OPENAI_MODEL: 'llama',
      BATCH_MAX_AGE_MS: '300',
    });
    api = await createApi(config, { logDestination: logs });
    await api.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
    worker = await createWorker(config, WorkerModule.register(config), { logDestination: logs });

    const creator = await signUp(url, 'creator');
    consumer = await signUp(url, 'consumer');
    const persona = await request(url)
      .post('/v1/personas')
      .set(creator.auth)
      .send({ name: 'Iris', modelId: 'upstream', verification: 'attested' })
      .expect(201);
    const conversation = await request(url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: persona.body.id })
      .expect(201);
    socket = await connectChat(url, consumer.apiKey);
    const updates = watchProofUpdates(socket);
    const started = await startReply(socket, conversation.body.id as string, 'My cat is called Miso.');
    const done = (await started.reply).done!;
    sent = { ...started.ack, inferenceId: done.inferenceId };
    await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
    await waitFor(
      async () => !!jobLine(jobIds.extractMemories(sent.userMessageId)),
      'the memory job to be logged',
    );
  }, 60_000);
  afterAll(async () => {
    socket?.disconnect();
    await worker?.close();
    await api?.close();
    await upstream?.close();
  });

  // The processor's line when the job ends, done or failed: the ids are what this test is about.
  const jobLine = (jobId: string): Line | undefined =>
    logs.lines.find((line) => typeof line.msg === 'string' && line.msg.includes(` ${jobId} `));

  function sendEventLine(): Line {
    const line = logs.lines.find(
      (l) => l.context === 'SocketEvent' && typeof l.msg === 'string' && l.msg.startsWith('message:send '),
    );
    expect(line).toBeDefined();
    return line!;
  }

  it('logs each HTTP request with its id, and never an API key, a header or a body', () => {
    const requestLines = logs.lines.filter((line) => line.msg === 'request completed');
    expect(requestLines.length).toBeGreaterThanOrEqual(4);
    for (const line of requestLines) expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const all = JSON.stringify(logs.lines);
    expect(all).not.toContain(consumer.apiKey);
    expect(all).not.toContain('Bearer');
    expect(all).not.toContain('Miso');
  });

  it('gives the socket event that sent the message its own request id and the message id', () => {
    const line = sendEventLine();
    expect(line.app).toBe('api');
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line.messageId).toBe(sent.userMessageId);
  });

  it('sends the message id upstream with the model call', () => {
    expect(upstream.headers.at(-1)?.['x-request-id']).toBe(sent.userMessageId);
  });

  it('logs the stored, signed reply with the message id', () => {
    const { requestId } = sendEventLine();
    const recorded = logs.lines.filter((line) => line.context === 'ReplyRecorder');
    expect(recorded).toContainEqual(expect.objectContaining({ requestId, messageId: sent.userMessageId }));
  });

  it('runs the job the message caused with its ids: the memory extraction', () => {
    const { requestId } = sendEventLine();
    const ids = { requestId, messageId: sent.userMessageId };
    const memory = jobIds.extractMemories(sent.userMessageId);
    expect(jobLine(memory)).toMatchObject({ ...ids, jobId: memory, queue: 'memory' });
    // Receipts are attested in rounds taken from Postgres, not by a job per message (apps/worker/src/attestation.pump.ts).
    expect(jobLine(jobIds.attestReceipt(sent.inferenceId))).toBeUndefined();
  });

  it("never puts one message's ids on a batch's lines: a batch holds many users' receipts", () => {
    const anchored = logs.lines.filter((line) => typeof line.msg === 'string' && /anchored/.test(line.msg));
    expect(anchored.length).toBeGreaterThan(0);
    for (const line of anchored) expect(line).not.toHaveProperty('messageId');
  });
});
