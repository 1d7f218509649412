// The relay between a private-chat client and a node's gateway (docs/privacy.md): it forwards encapsulated bytes
// unchanged, both ways, as they stream, strips everything that says who sent them, refuses what it must, and keeps
// no trace of a request in its logs. A stand-in api lists the gateways; a stand-in gateway records what reached it.
import { createRootLogger } from '@app/common/root-logger';
import { LogCapture } from '@app/common/testing/log-capture';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningRelay, startRelay } from '../apps/relay/src/relay-server';
import { waitFor } from './support/wait-for';

const RELAY_ID = '5f0c7d1e-7c1a-4d7e-9a55-0d1e2f3a4b5c';
const MAX_BODY = 3_000;
const RATE_LIMIT = 20;
// Bytes no log line may hold: a marker in every body, and a body size that appears nowhere else.
const MARKER = 'PLAINTEXT-LOOKING-MARKER';
const ODD_SIZE = 2_345;
// The client speaks from its own loopback address, so "the gateway never saw it" means something.
const CLIENT = '127.0.0.2';
const INTERNAL_SECRET = 'internal-admin-token-7f3a';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  complete?: boolean;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Opens a POST to the relay and returns the request (to write to) and its response (once it comes). */
function open(
  url: string,
  headers: Record<string, string>,
  localAddress = CLIENT,
): { req: ReturnType<typeof httpRequest>; response: Promise<IncomingMessage> } {
  const req = httpRequest(url, { method: 'POST', headers, localAddress, agent: false });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.on('error', reject);
  });
  return { req, response };
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer | string = '',
  localAddress = CLIENT,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { req, response } = open(url, headers, localAddress);
  req.end(body);
  const res = await response;
  return { status: res.statusCode ?? 0, headers: res.headers, body: await readAll(res) };
}

// The gateway's side: a request the relay cut reads as empty (the test looks at `complete`).
function bodyOf(req: IncomingMessage): Promise<Buffer> {
  return readAll(req).catch(() => Buffer.alloc(0));
}

function firstChunk(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => stream.once('data', resolve));
}

describe('relay (e2e)', () => {
  const seen: Seen[] = [];
  let requestSeen = deferred();
  let requestClosed = deferred();
  let streamRelease = deferred();
  let streamEnded = false;
  let api: Server;
  let gateway: Server;
  let relay: RunningRelay;
  let relayUrl: string;
  let apiUrl: string;
  const capture = new LogCapture();

  // The stand-in gateway, one behaviour per path.
  function handleGateway(req: IncomingMessage, res: ServerResponse): void {
    const record: Seen = {
      path: req.url ?? '',
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    };
    seen.push(record);
    requestSeen.resolve();
    req.once('close', () => {
      record.complete = req.complete;
      requestClosed.resolve();
    });
    if (req.url === '/echo' || req.url === '/v1/privacy/ohttp') {
      void bodyOf(req).then((body) => {
        res.writeHead(200, {
          'content-type': 'message/ohttp-res',
          'content-length': body.length,
          'set-cookie': 'node=1',
          server: 'gateway/1.0',
          'x-node-address': '0xabc',
        });
        res.end(body);
      });
    } else if (req.url === '/stream') {
      void bodyOf(req).then(async () => {
        res.writeHead(200, { 'content-type': 'message/ohttp-chunked-res' });
        res.write('first-chunk');
        await streamRelease.promise;
        res.end('-and-the-rest');
        streamEnded = true;
      });
    } else if (req.url === '/duplex') {
      // Answers each piece as it arrives: only a relay that buffers neither way lets the client see it.
      res.writeHead(200, { 'content-type': 'message/ohttp-chunked-res' });
      res.flushHeaders();
      req.pipe(res);
    } else if (req.url === '/problem') {
      void bodyOf(req).then(() => {
        res.writeHead(422, { 'content-type': 'application/problem+json' });
        res.end('{"title":"bad"}');
      });
    } else if (req.url === '/json') {
      // What an internal service behind a gateway URL would answer: it must not reach the client through the relay.
      void bodyOf(req).then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ secret: INTERNAL_SECRET }));
      });
    } else {
      void bodyOf(req).then(() => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<script>alert(1)</script>${INTERNAL_SECRET}`);
      });
    }
  }

  beforeAll(async () => {
    gateway = createServer(handleGateway);
    const gatewayUrl = await listen(gateway);
    const closed = createServer();
    const downUrl = await listen(closed);
    closed.close();
    api = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/v1/privacy/gateways') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            data: [
              { nodeId: 'node-echo', gatewayUrl: `${gatewayUrl}/echo`, nodeAddress: '0x1' },
              { nodeId: 'node-stream', gatewayUrl: `${gatewayUrl}/stream` },
              { nodeId: 'node-duplex', gatewayUrl: `${gatewayUrl}/duplex` },
              { nodeId: 'node-problem', gatewayUrl: `${gatewayUrl}/problem` },
              { nodeId: 'node-html', gatewayUrl: `${gatewayUrl}/html` },
              { nodeId: 'node-json', gatewayUrl: `${gatewayUrl}/json` },
              // A gateway URL with a query is not a gateway: "<url>?x=" + a path the api appends, aimed elsewhere.
              { nodeId: 'node-query', gatewayUrl: `${gatewayUrl}/echo?x=/ohttp` },
              // A name, not an address: the check must apply to what it resolves to.
              { nodeId: 'node-by-name', gatewayUrl: `${gatewayUrl.replace('127.0.0.1', 'localhost')}/echo` },
              { nodeId: 'node-down', gatewayUrl: `${downUrl}/ohttp` },
              // The api's in-process node: relative to the api's URL.
              { nodeId: 'node-local', gatewayUrl: '/v1/privacy/ohttp' },
            ],
          }),
        );
      } else handleGateway(req, res);
    });
    apiUrl = await listen(api);
    relay = await startRelay({
      apiUrl,
      port: 0,
      host: '127.0.0.1',
      relayId: RELAY_ID,
      maxBody: MAX_BODY,
      rateLimitPerMinute: RATE_LIMIT,
      reportMs: 20,
      logger: createRootLogger({ format: 'json', level: 'verbose', app: 'relay' }, capture),
    });
    relayUrl = relay.url;
  });

  afterAll(async () => {
    await relay.close(100);
    gateway.closeAllConnections();
    gateway.close();
    api.close();
  });

  beforeEach(() => {
    seen.length = 0;
    requestSeen = deferred();
    requestClosed = deferred();
  });

  it('forwards the body byte for byte and returns the answer byte for byte, with the status the gateway gave', async () => {
    const body = Buffer.concat([Buffer.from(MARKER), randomBytes(ODD_SIZE - MARKER.length)]);
    const answer = await post(
      `${relayUrl}/gateways/node-echo`,
      { 'content-type': 'message/ohttp-req' },
      body,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('message/ohttp-res');
    expect(answer.body.equals(body)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['content-length']).toBe(String(ODD_SIZE));

    const problem = await post(
      `${relayUrl}/gateways/node-problem`,
      { 'content-type': 'message/ohttp-req' },
      'x',
    );
    expect(problem.status).toBe(422);
    expect(problem.headers['content-type']).toBe('application/problem+json');
    expect(problem.body.toString()).toBe('{"title":"bad"}');
  });

  it("reaches a gateway the api lists by a path relative to the api's URL", async () => {
    const answer = await post(
      `${relayUrl}/gateways/node-local`,
      { 'content-type': 'message/ohttp-req' },
      'abc',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('abc');
    expect(seen.map((s) => s.path)).toEqual(['/v1/privacy/ohttp']);
  });

  it("strips every header that says who sent the request, adds Twinproof-Relay, and passes back only the answer's type and length", async () => {
    const answer = await post(
      `${relayUrl}/gateways/node-echo`,
      {
        'content-type': 'message/ohttp-req',
        'x-forwarded-for': '203.0.113.7',
        forwarded: 'for=203.0.113.7',
        'x-real-ip': '203.0.113.7',
        via: '1.1 someproxy',
        cookie: 'session=abc',
        authorization: 'Bearer tp_secret',
        'user-agent': 'TwinproofClient/1.0 (Linux; alice)',
        'accept-language': 'fr-CH',
        referer: 'https://alice.example/',
      },
      'hello',
    );
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(1);
    const [{ headers, remoteAddress }] = seen;
    expect(Object.keys(headers).sort()).toEqual([
      'connection',
      'content-length',
      'content-type',
      'host',
      'twinproof-relay',
    ]);
    expect(headers['twinproof-relay']).toBe(RELAY_ID);
    expect(headers['content-type']).toBe('message/ohttp-req');
    expect(remoteAddress).not.toBe(CLIENT);
    expect(JSON.stringify(headers)).not.toContain(CLIENT);

    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.headers.server).toBeUndefined();
    expect(answer.headers['x-node-address']).toBeUndefined();
    expect(answer.headers['content-length']).toBe('5');
  });

  it('streams a chunked answer: its first bytes reach the client before the gateway has finished', async () => {
    streamRelease = deferred();
    streamEnded = false;
    const { req, response } = open(`${relayUrl}/gateways/node-stream`, {
      'content-type': 'message/ohttp-chunked-req',
    });
    req.end('chunked request');
    const res = await response;
    expect(res.headers['content-type']).toBe('message/ohttp-chunked-res');
    expect((await firstChunk(res)).toString()).toBe('first-chunk');
    expect(streamEnded).toBe(false);
    const rest = readAll(res);
    streamRelease.resolve();
    expect((await rest).toString()).toBe('-and-the-rest');
    expect(streamEnded).toBe(true);
  });

  it('streams a chunked request: the gateway answers its first piece before the client has sent the second', async () => {
    const { req, response } = open(`${relayUrl}/gateways/node-duplex`, {
      'content-type': 'message/ohttp-chunked-req',
    });
    req.write('piece-one');
    const res = await response;
    expect((await firstChunk(res)).toString()).toBe('piece-one');
    expect(seen[0].headers['content-length']).toBeUndefined();
    expect(seen[0].headers['transfer-encoding']).toBe('chunked');
    const rest = readAll(res);
    req.end('piece-two');
    expect((await rest).toString()).toBe('piece-two');
  });

  it('refuses other media types with 415, before any gateway sees them', async () => {
    const answer = await post(`${relayUrl}/gateways/node-echo`, { 'content-type': 'application/json' }, '{}');
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body.toString())).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) },
    });
    expect(seen).toHaveLength(0);
  });

  it('refuses a body over the limit with 413 by its Content-Length alone, before reading or forwarding it', async () => {
    const { req, response } = open(`${relayUrl}/gateways/node-echo`, {
      'content-type': 'message/ohttp-req',
      'content-length': String(MAX_BODY + 1),
    });
    req.on('error', () => undefined);
    // Headers only: the answer must not wait for a body it will refuse.
    req.flushHeaders();
    const res = await response;
    expect(res.statusCode).toBe(413);
    expect(JSON.parse((await readAll(res)).toString()).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(seen).toHaveLength(0);
    req.destroy();
  });

  it('refuses a streamed body once it passes the limit with 413, and cuts the request it had started forwarding', async () => {
    const { req, response } = open(`${relayUrl}/gateways/node-echo`, {
      'content-type': 'message/ohttp-chunked-req',
    });
    req.on('error', () => undefined); // the relay closes the connection while this body is unfinished
    req.write(Buffer.alloc(MAX_BODY - 500));
    await requestSeen.promise;
    req.write(Buffer.alloc(1_000));
    const res = await response;
    expect(res.statusCode).toBe(413);
    expect(JSON.parse((await readAll(res)).toString()).error.code).toBe('PAYLOAD_TOO_LARGE');
    await requestClosed.promise;
    expect(seen[0].complete).toBe(false);
    req.destroy();
  });

  it('answers 404 for a node it does not know, 502 for a gateway it cannot reach or one that answers HTML', async () => {
    const unknown = await post(
      `${relayUrl}/gateways/no-such-node`,
      { 'content-type': 'message/ohttp-req' },
      'x',
    );
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error.code).toBe('NOT_FOUND');

    const down = await post(`${relayUrl}/gateways/node-down`, { 'content-type': 'message/ohttp-req' }, 'x');
    expect(down.status).toBe(502);
    expect(JSON.parse(down.body.toString()).error.code).toBe('GATEWAY_UNREACHABLE');

    for (const node of ['node-html', 'node-json']) {
      const answer = await post(`${relayUrl}/gateways/${node}`, { 'content-type': 'message/ohttp-req' }, 'x');
      expect(answer.status).toBe(502);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body.toString())).toEqual({
        error: { code: 'GATEWAY_INVALID_RESPONSE', message: expect.any(String) },
      });
      expect(answer.body.toString()).not.toContain(INTERNAL_SECRET);
    }
  });

  it('skips a listed gateway URL with a query: 404 for that node, and nothing is sent', async () => {
    const answer = await post(
      `${relayUrl}/gateways/node-query`,
      { 'content-type': 'message/ohttp-req' },
      'x',
    );
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString()).error.code).toBe('NOT_FOUND');
    expect(seen).toHaveLength(0);
  });

  it('reaches a gateway named by a DNS name when private gateways are allowed (the api is on 127.0.0.1)', async () => {
    const answer = await post(
      `${relayUrl}/gateways/node-by-name`,
      { 'content-type': 'message/ohttp-req' },
      'abc',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('abc');
    expect(capture.lines.some((line) => /private addresses are reached/.test(String(line.msg)))).toBe(true);
  });

  it('refuses, with private gateways not allowed, a gateway on loopback by address or by name: 502, nothing sent', async () => {
    const logs = new LogCapture();
    const guarded = await startRelay({
      apiUrl,
      port: 0,
      allowPrivateGateways: false,
      logger: createRootLogger({ format: 'json', level: 'verbose', app: 'relay' }, logs),
    });
    try {
      for (const node of ['node-echo', 'node-local', 'node-by-name']) {
        const answer = await post(
          `${guarded.url}/gateways/${node}`,
          { 'content-type': 'message/ohttp-req' },
          'x',
        );
        expect([node, answer.status]).toEqual([node, 502]);
        expect(JSON.parse(answer.body.toString())).toEqual({
          error: { code: 'GATEWAY_UNREACHABLE', message: 'The gateway could not be reached.' },
        });
      }
      expect(seen).toHaveLength(0);
      expect(logs.lines.some((line) => /addresses are refused/.test(String(line.msg)))).toBe(true);
    } finally {
      await guarded.close(100);
    }
  });

  it('rate limits per client address with 429 and Retry-After; another address is not affected', async () => {
    const noisy = '127.0.0.3';
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMIT; i += 1)
      statuses.push(
        (await post(`${relayUrl}/gateways/node-echo`, { 'content-type': 'text/plain' }, 'x', noisy)).status,
      );
    expect(statuses.slice(0, RATE_LIMIT).every((status) => status === 415)).toBe(true);
    const limited = await post(
      `${relayUrl}/gateways/node-echo`,
      { 'content-type': 'message/ohttp-req' },
      'x',
      noisy,
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited.body.toString()).error.code).toBe('RATE_LIMITED');
    expect(statuses[RATE_LIMIT]).toBe(429);

    const other = await post(
      `${relayUrl}/gateways/node-echo`,
      { 'content-type': 'message/ohttp-req' },
      'x',
      '127.0.0.4',
    );
    expect(other.status).toBe(200);
  });

  it('shows aggregate counters only on /metrics, and is healthy', async () => {
    const health = await fetch(`${relayUrl}/health`);
    expect(health.status).toBe(200);
    const metrics = (await (await fetch(`${relayUrl}/metrics`)).json()) as Record<string, unknown>;
    // No byte totals: on a quiet relay, two reads around one exchange would give its size.
    expect(Object.keys(metrics).sort()).toEqual(['rateLimited', 'requests', 'responses', 'startedAt']);
    expect(Object.keys(metrics.responses as object).sort()).toEqual(['2xx', '3xx', '4xx', '5xx']);
    expect(metrics.requests).toBeGreaterThan(RATE_LIMIT);
    expect(metrics.rateLimited).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(metrics);
    for (const secret of ['node-', CLIENT, '127.0.0.3', '127.0.0.4']) expect(text).not.toContain(secret);
  });

  it('logs no content, no sizes, no node ids and no client addresses: start-up and aggregate lines only', async () => {
    // The periodic report runs every 20 ms here.
    await waitFor(
      async () => capture.lines.some((line) => /requests since the last report/.test(String(line.msg))),
      'an aggregate report line',
    );
    const text = JSON.stringify(capture.lines);
    expect(capture.lines.some((line) => /^Relay listening on /.test(String(line.msg)))).toBe(true);
    for (const secret of [
      MARKER,
      Buffer.from(MARKER).toString('base64'),
      'piece-one',
      'first-chunk',
      String(ODD_SIZE),
      'node-',
      CLIENT,
      '127.0.0.3',
      '127.0.0.4',
      'tp_secret',
      'alice',
    ])
      expect(text).not.toContain(secret);
  });

  it('lets a running exchange finish when it is closed, and takes no new connection', async () => {
    const closing = await startRelay({
      apiUrl,
      port: 0,
      logger: createRootLogger({ format: 'json', level: 'error' }, new LogCapture()),
    });
    streamRelease = deferred();
    const { req, response } = open(`${closing.url}/gateways/node-stream`, {
      'content-type': 'message/ohttp-chunked-req',
    });
    req.end('x');
    const res = await response;
    expect((await firstChunk(res)).toString()).toBe('first-chunk');
    const rest = readAll(res);
    const closed = closing.close(10_000);
    await expect(fetch(`${closing.url}/health`)).rejects.toThrow();
    streamRelease.resolve();
    expect((await rest).toString()).toBe('-and-the-rest');
    await closed;
  });
});
