import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BhttpResponseStreamDecoder,
  type BhttpResponseEvent,
  decodeResponse,
  encapsulateChunkedRequest,
  encapsulateRequest,
  encodeRequest,
  type KeyConfig,
  MEDIA,
  parseKeyConfigs,
} from '../ohttp';
import { GatewayKeyring } from './gateway-keyring';
import { checkGatewayKeys } from './key-binding';
import { type Forward, type InnerRequest, OhttpGateway } from './ohttp-gateway';
import { SeenRequests } from './seen-requests';

const ROTATE_MS = 60 * 60_000;
const GRACE_MS = 5 * 60_000;
const KEY_PROBLEM = 'https://iana.org/assignments/http-problem-types#ohttp-key';

interface Forwarded {
  request: InnerRequest;
  relayId?: string;
}

interface Gateway {
  url: string;
  wallet: Wallet;
  keyring: GatewayKeyring;
  forwarded: Forwarded[];
  /** What the forwarder answers next; a test replaces it. */
  answer: { next: (request: InnerRequest) => Promise<Response> };
  clock: { now: number };
  close(): Promise<void>;
}

async function startGateway(options: { maxBodyBytes?: number; seen?: SeenRequests } = {}): Promise<Gateway> {
  const wallet = Wallet.createRandom() as unknown as Wallet;
  const clock = { now: Date.now() };
  const keyring = new GatewayKeyring(wallet, {
    rotateMs: ROTATE_MS,
    graceMs: GRACE_MS,
    now: () => clock.now,
  });
  const forwarded: Forwarded[] = [];
  const answer = {
    next: (): Promise<Response> => Promise.resolve(Response.json({ ok: true })),
  } as Gateway['answer'];
  const forward: Forward = (request, context) => {
    forwarded.push({ request, relayId: context.relayId });
    return answer.next(request);
  };
  const gateway = new OhttpGateway({
    keyring,
    seen: options.seen ?? new SeenRequests(),
    forward,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
  });
  const server: Server = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ohttp`,
    wallet,
    keyring,
    forwarded,
    answer,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The keys a client reads (GET /v1/privacy/gateways carries the same, signed). */
async function publishedConfigs(gateway: Gateway): Promise<KeyConfig[]> {
  return parseKeyConfigs(Buffer.from((await gateway.keyring.published()).keyConfig, 'base64'));
}

function post(
  url: string,
  contentType: string | undefined,
  body: Uint8Array[],
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    });
    req.on('response', resolve);
    req.on('error', reject);
    for (const piece of body) req.write(piece);
    req.end();
  });
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const piece of stream) parts.push(piece);
  return Buffer.concat(parts);
}

const chatRequest = (path = '/v1/chat/completions', method = 'POST', extra: Record<string, string> = {}) =>
  new Request(`https://gateway.invalid${path}`, {
    method,
    headers: {
      authorization: 'PrivateToken token="AAAA"',
      'content-type': 'application/json',
      accept: 'application/json',
      ...extra,
    },
    body: method === 'GET' ? undefined : JSON.stringify({ model: 'oracle', messages: [] }),
  });

/** Seals a request as a client does, sends it, and opens the answer. */
async function sealed(
  gateway: Gateway,
  request: Request,
  config?: KeyConfig,
  outer: Record<string, string> = {},
) {
  const key = config ?? (await publishedConfigs(gateway))[0];
  const { encapsulated, response } = await encapsulateRequest(key, await encodeRequest(request));
  const reply = await post(gateway.url, MEDIA.request, [encapsulated], outer);
  const body = await readAll(reply);
  if (reply.statusCode !== 200) return { outer: reply, problem: JSON.parse(body.toString()) as Problem };
  expect(reply.headers['content-type']).toBe(MEDIA.response);
  return { outer: reply, inner: decodeResponse(await response.open(body)), encapsulated };
}

interface Problem {
  type?: string;
  error: { code: string; message: string };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('OhttpGateway behind a node:http server', () => {
  let gateway: Gateway;
  beforeEach(async () => (gateway = await startGateway()));
  afterEach(() => gateway.close());

  it('forwards only authorization, content-type and accept, and returns only the whitelisted inner headers', async () => {
    gateway.answer.next = () =>
      Promise.resolve(
        new Response(JSON.stringify({ id: 'chatcmpl-1', choices: [] }), {
          status: 200,
          headers: {
            'content-type': 'application/json',
            'x-private-session-key': 'tp_session',
            'x-inference-id': 'inf-1',
            'set-cookie': 'tracker=1',
            server: 'api-7',
            'x-request-id': 'req-1',
          },
        }),
      );
    const relayId = randomUUID();
    const result = await sealed(
      gateway,
      chatRequest('/v1/chat/completions', 'POST', {
        cookie: 'session=abc',
        'user-agent': 'curl/8.0',
        'x-forwarded-for': '203.0.113.9',
      }),
      undefined,
      { 'twinproof-relay': relayId },
    );
    expect(result.outer.statusCode).toBe(200);
    expect(gateway.forwarded).toHaveLength(1);
    const { request, relayId: seenRelay } = gateway.forwarded[0];
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request.headers).toEqual({
      authorization: 'PrivateToken token="AAAA"',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(JSON.parse(Buffer.from(request.body!).toString())).toEqual({ model: 'oracle', messages: [] });
    expect(seenRelay).toBe(relayId);

    const inner = result.inner!;
    expect(inner.status).toBe(200);
    expect([...inner.headers.keys()].sort()).toEqual([
      'content-type',
      'x-inference-id',
      'x-private-session-key',
    ]);
    expect(inner.headers.get('x-private-session-key')).toBe('tp_session');
    expect(await inner.json()).toEqual({ id: 'chatcmpl-1', choices: [] });
  });

  it('streams a chunked reply: the first sealed piece opens before the api’s stream ends, SSE pieces padded to 128 bytes', async () => {
    const pieces = [
      'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
      'data: {"choices":[{"delta":{"content":"lo, a longer token to pad"}}]}\n\n',
      'data: [DONE]\n\n',
    ];
    const release = deferred();
    gateway.answer.next = () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode(pieces[0]));
          // The rest only once the client has opened the first piece: a gateway that buffered would never get here.
          await release.promise;
          controller.enqueue(encoder.encode(pieces[1]));
          controller.enqueue(encoder.encode(pieces[2]));
          controller.close();
        },
      });
      return Promise.resolve(
        new Response(body, {
          headers: { 'content-type': 'text/event-stream', 'x-inference-id': 'inf-2', 'x-internal': 'no' },
        }),
      );
    };
    const config = (await publishedConfigs(gateway))[0];
    const sealer = await encapsulateChunkedRequest(config);
    const encoded = await encodeRequest(chatRequest());
    const body = [
      sealer.header,
      await sealer.seal(encoded.subarray(0, 10), false),
      await sealer.seal(encoded.subarray(10), true),
    ];
    const reply = await post(gateway.url, MEDIA.chunkedRequest, body);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe(MEDIA.chunkedResponse);

    const decoder = new BhttpResponseStreamDecoder();
    const events: BhttpResponseEvent[] = [];
    const contentSizes: number[] = [];
    const plainChunks: number[] = [];
    let released = false;
    for await (const chunk of sealer.response.open(reply)) {
      plainChunks.push(chunk.length);
      const fresh = decoder.push(chunk);
      events.push(...fresh);
      for (const event of fresh) if (event.type === 'content') contentSizes.push(event.bytes.length);
      if (!released && fresh.some((event) => event.type === 'content')) {
        released = true;
        release.resolve();
      }
    }
    events.push(...decoder.end());
    expect(released).toBe(true);

    const head = events.find((event) => event.type === 'head');
    expect(head && head.type === 'head' && head.status).toBe(200);
    expect(head && head.type === 'head' && [...head.headers.keys()].sort()).toEqual([
      'content-type',
      'x-inference-id',
      'x-padding',
    ]);
    // The head (status and headers) is padded to a block, so which headers came back does not show in its size.
    expect(plainChunks[0] % 256).toBe(0);
    expect(contentSizes).toHaveLength(3);
    for (const size of contentSizes) expect(size % 128).toBe(0);
    const text = events
      .map((event) => (event.type === 'content' ? Buffer.from(event.bytes).toString() : ''))
      .join('');
    expect(sseData(text)).toEqual(sseData(pieces.join('')));
    expect(sseData(text)).toHaveLength(3);
  });

  it('refuses routes that are not private inside the encapsulation (404), never forwarding them', async () => {
    for (const [method, path] of [
      ['POST', '/v1/users'],
      ['GET', '/v1/personas'],
      ['GET', '/v1/me'],
      ['POST', '/v1/chain'],
      ['GET', '/v1/inferences/not-a-uuid'],
    ]) {
      const result = await sealed(gateway, chatRequest(path, method));
      expect(result.outer.statusCode).toBe(200);
      expect(result.inner!.status).toBe(404);
      expect(((await result.inner!.json()) as Problem).error.code).toBe('NOT_FOUND');
    }
    expect(gateway.forwarded).toHaveLength(0);
  });

  it('answers a replay exactly as a tampered request: 400 OHTTP_UNREADABLE, forwarded once', async () => {
    const config = (await publishedConfigs(gateway))[0];
    const { encapsulated } = await encapsulateRequest(config, await encodeRequest(chatRequest()));
    const first = await post(gateway.url, MEDIA.request, [encapsulated]);
    await readAll(first);
    expect(first.statusCode).toBe(200);

    const replay = await post(gateway.url, MEDIA.request, [encapsulated]);
    const replayBody = (await readAll(replay)).toString();

    const fresh = await encapsulateRequest(config, await encodeRequest(chatRequest()));
    const tampered = Uint8Array.from(fresh.encapsulated);
    tampered[tampered.length - 1] ^= 1;
    const bad = await post(gateway.url, MEDIA.request, [tampered]);
    const badBody = (await readAll(bad)).toString();

    expect(replay.statusCode).toBe(400);
    expect(bad.statusCode).toBe(400);
    expect(replay.headers['content-type']).toBe('application/problem+json');
    expect((JSON.parse(replayBody) as Problem).error.code).toBe('OHTTP_UNREADABLE');
    expect(replayBody).toBe(badBody);
    expect(gateway.forwarded).toHaveLength(1);
  });

  it('refuses a replayed chunked request too', async () => {
    const config = (await publishedConfigs(gateway))[0];
    const sealer = await encapsulateChunkedRequest(config);
    const body = [sealer.header, await sealer.seal(await encodeRequest(chatRequest()), true)];
    const first = await post(gateway.url, MEDIA.chunkedRequest, body);
    await readAll(first);
    const replay = await post(gateway.url, MEDIA.chunkedRequest, body);
    expect(replay.statusCode).toBe(400);
    expect((JSON.parse((await readAll(replay)).toString()) as Problem).error.code).toBe('OHTTP_UNREADABLE');
    expect(gateway.forwarded).toHaveLength(1);
  });

  it('answers an unknown key id with 400 and the RFC 9458 ohttp-key problem type', async () => {
    const config = (await publishedConfigs(gateway))[0];
    const result = await sealed(gateway, chatRequest(), { ...config, keyId: (config.keyId + 1) % 256 });
    expect(result.outer.statusCode).toBe(400);
    expect(result.problem).toMatchObject({ type: KEY_PROBLEM, error: { code: 'OHTTP_KEY_UNKNOWN' } });
    expect(gateway.forwarded).toHaveLength(0);
  });

  it('answers another media type, or none, with 415', async () => {
    for (const type of ['application/json', undefined]) {
      const reply = await post(gateway.url, type, [new Uint8Array(64)]);
      expect(reply.statusCode).toBe(415);
      expect((JSON.parse((await readAll(reply)).toString()) as Problem).error.code).toBe(
        'UNSUPPORTED_MEDIA_TYPE',
      );
    }
  });

  it('answers a sealed 502 when the forwarder fails', async () => {
    gateway.answer.next = () => Promise.reject(new Error('ECONNREFUSED'));
    const result = await sealed(gateway, chatRequest());
    expect(result.outer.statusCode).toBe(200);
    expect(result.inner!.status).toBe(502);
    expect(((await result.inner!.json()) as Problem).error.code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('streams a reply whose api stream yields an empty piece (fetch bodies may), without truncating it', async () => {
    const encoder = new TextEncoder();
    gateway.answer.next = () =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode('data: {"a":1}\n\n'));
              controller.enqueue(new Uint8Array(0));
              controller.enqueue(encoder.encode('data: [DONE]\n\n'));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
      );
    const config = (await publishedConfigs(gateway))[0];
    const sealer = await encapsulateChunkedRequest(config);
    const reply = await post(gateway.url, MEDIA.chunkedRequest, [
      sealer.header,
      await sealer.seal(await encodeRequest(chatRequest()), true),
    ]);
    const decoder = new BhttpResponseStreamDecoder();
    let text = '';
    for await (const chunk of sealer.response.open(reply))
      for (const event of decoder.push(chunk))
        if (event.type === 'content') text += Buffer.from(event.bytes).toString();
    decoder.end();
    expect(sseData(text)).toEqual(['{"a":1}', '[DONE]']);
  });

  it('keeps the previous key within the grace period after a rotation, and refuses it after', async () => {
    const before = (await publishedConfigs(gateway))[0];
    await gateway.keyring.rotate();
    const after = await publishedConfigs(gateway);
    expect(after).toHaveLength(2);
    expect(after[1].keyId).toBe(before.keyId);
    expect(after[0].keyId).not.toBe(before.keyId);
    expect(Buffer.from(after[1].publicKey)).toEqual(Buffer.from(before.publicKey));

    const signed = await gateway.keyring.published();
    expect(checkGatewayKeys(gateway.wallet.address, signed, new Date(gateway.clock.now)).ok).toBe(true);
    expect(checkGatewayKeys(Wallet.createRandom().address, signed, new Date(gateway.clock.now)).ok).toBe(
      false,
    );

    gateway.clock.now += GRACE_MS - 1_000;
    expect((await sealed(gateway, chatRequest(), before)).inner?.status).toBe(200);

    gateway.clock.now += 2_000;
    const late = await sealed(gateway, chatRequest(), before);
    expect(late.outer.statusCode).toBe(400);
    expect(late.problem).toMatchObject({ type: KEY_PROBLEM, error: { code: 'OHTTP_KEY_UNKNOWN' } });
    expect((await sealed(gateway, chatRequest(), after[0])).inner?.status).toBe(200);
    expect(gateway.forwarded).toHaveLength(2);
  });
});

describe('OhttpGateway with a full replay cache', () => {
  let gateway: Gateway;
  beforeEach(async () => (gateway = await startGateway({ seen: new SeenRequests(1) })));
  afterEach(() => gateway.close());

  it('rotates to a new key rather than forget, and still refuses the copy', async () => {
    const first = (await publishedConfigs(gateway))[0];
    const { encapsulated } = await encapsulateRequest(first, await encodeRequest(chatRequest()));
    await readAll(await post(gateway.url, MEDIA.request, [encapsulated]));
    // The rotation is started, not awaited, by the request that filled the cache.
    for (let i = 0; i < 1_000 && (await publishedConfigs(gateway))[0].keyId === first.keyId; i++)
      await new Promise((resolve) => setImmediate(resolve));
    const after = await publishedConfigs(gateway);
    expect(after.map((config) => config.keyId)).toEqual([expect.any(Number), first.keyId]);
    expect(after[0].keyId).not.toBe(first.keyId);

    const replay = await post(gateway.url, MEDIA.request, [encapsulated]);
    expect(replay.statusCode).toBe(400);
    expect((JSON.parse((await readAll(replay)).toString()) as Problem).error.code).toBe('OHTTP_UNREADABLE');
    expect(gateway.forwarded).toHaveLength(1);
  });
});

describe('OhttpGateway size bound', () => {
  let gateway: Gateway;
  beforeEach(async () => (gateway = await startGateway({ maxBodyBytes: 1024 })));
  afterEach(() => gateway.close());

  it('answers 413 for an encapsulated request over the bound, plain or chunked', async () => {
    const config = (await publishedConfigs(gateway))[0];
    const big = await encodeRequest(
      chatRequest('/v1/chat/completions', 'POST', { 'x-filler': 'x'.repeat(2048) }),
    );
    const { encapsulated } = await encapsulateRequest(config, big);
    const plain = await post(gateway.url, MEDIA.request, [encapsulated]);
    expect(plain.statusCode).toBe(413);
    expect((JSON.parse((await readAll(plain)).toString()) as Problem).error.code).toBe('PAYLOAD_TOO_LARGE');

    const sealer = await encapsulateChunkedRequest(config);
    const chunked = await post(gateway.url, MEDIA.chunkedRequest, [
      sealer.header,
      await sealer.seal(big, true),
    ]);
    expect(chunked.statusCode).toBe(413);
    expect((JSON.parse((await readAll(chunked)).toString()) as Problem).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(gateway.forwarded).toHaveLength(0);
  });
});

/** The data of each event an SSE parser dispatches (comment lines ignored). */
function sseData(stream: string): string[] {
  const out: string[] = [];
  let data: string[] = [];
  for (const line of stream.split('\n')) {
    if (line === '') {
      if (data.length) out.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return out;
}
