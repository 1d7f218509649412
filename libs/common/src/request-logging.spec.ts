import express from 'express';
import request from 'supertest';
import { assignLogContext } from './log-context';
import { requestLogging } from './request-logging';
import { createRootLogger } from './root-logger';
import { LogCapture } from './testing/log-capture';

describe('requestLogging', () => {
  const capture = new LogCapture();
  const logger = createRootLogger({ format: 'json', level: 'log' }, capture);
  const app = express();
  app.use(requestLogging(logger));
  app.post('/v1/things', express.json(), (_req, res) => {
    assignLogContext({ messageId: 'm-1' });
    logger.info('handled');
    res.status(201).json({ apiKey: 'tp_returned_secret' });
  });
  app.get('/health', (_req, res) => res.json({ ok: true }));
  app.get('/boom', (_req, res) => res.status(500).end());

  beforeEach(() => capture.lines.splice(0));

  it('echoes a sane X-Request-Id, else makes one, and logs it on every line of the request', async () => {
    const mine = await request(app).post('/v1/things').set('X-Request-Id', 'trace-123').send({}).expect(201);
    expect(mine.header['x-request-id']).toBe('trace-123');
    const hostile = await request(app)
      .post('/v1/things')
      .set('X-Request-Id', 'a b; DROP')
      .send({})
      .expect(201);
    expect(hostile.header['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const handled = capture.lines.find((line) => line.msg === 'handled');
    expect(handled).toMatchObject({ requestId: 'trace-123', messageId: 'm-1' });
    const requestLines = capture.lines.filter((line) => line.msg === 'request completed');
    expect(requestLines.map((line) => line.requestId)).toEqual(['trace-123', hostile.header['x-request-id']]);
    expect(requestLines[0]).toMatchObject({
      level: 'info',
      req: { method: 'POST', url: '/v1/things' },
      res: { statusCode: 201 },
    });
  });

  it('logs no header, query string or body: no key, cookie or user text', async () => {
    await request(app)
      .post('/v1/things?q=private-words')
      .set('Authorization', 'Bearer tp_header_secret')
      .set('Cookie', 'session=cookie_secret')
      .send({ content: 'body_secret' })
      .expect(201);
    const logged = JSON.stringify(capture.lines);
    for (const secret of ['tp_header_secret', 'cookie_secret', 'body_secret', 'private-words', 'tp_returned'])
      expect(logged).not.toContain(secret);
  });

  it('logs a 5xx at warn and skips health checks', async () => {
    await request(app).get('/health').expect(200);
    await request(app).get('/boom').expect(500);
    expect(capture.lines.map((line) => [line.level, line.msg, line.res])).toEqual([
      ['warn', 'request errored', { statusCode: 500 }],
    ]);
  });
});
