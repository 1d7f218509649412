import { io } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, signUp, startApi } from './support/api-harness';

const ALLOWED = 'https://app.example.org';
const FOREIGN = 'https://evil.example';

/** One directive of a Content-Security-Policy header, falling back to default-src as browsers do. */
function cspSources(header: string, directive: string): string[] {
  const directives = new Map(
    header.split(';').map((part) => {
      const [name, ...sources] = part.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
  return directives.get(directive) ?? directives.get('default-src') ?? [];
}

/** socket.io's first request, as a browser page would send it; engine.io answers 403 to a refused Origin. */
function pollingHandshake(url: string, origin: string): request.Test {
  return request(url).get('/socket.io/?EIO=4&transport=polling').set('Origin', origin);
}

/** A real socket.io client over websocket, sending the Origin header a browser would. */
function connectsOverWebsocket(url: string, apiKey: string, origin: string): Promise<boolean> {
  const socket = io(`${url}/chat`, {
    auth: { token: apiKey },
    transports: ['websocket'],
    extraHeaders: { Origin: origin },
    reconnection: false,
    forceNew: true,
  });
  return new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', () => resolve(false));
  }).finally(() => socket.close());
}

describe('HTTP security headers (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('are on every answer, errors included, and X-Powered-By is not', async () => {
    for (const response of [
      await request(api.url).get('/health').expect(200),
      await request(api.url).get('/v1/no-such-route').expect(404),
      await request(api.url).get('/v1/me').expect(401),
    ]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(cspSources(response.headers['content-security-policy'], 'frame-ancestors')).toEqual(["'none'"]);
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('leave Swagger UI (/docs) working: its scripts are files the CSP allows, its inline styles too', async () => {
    const page = await request(api.url).get('/docs/').expect(200).expect('Content-Type', /html/);
    const csp = page.headers['content-security-policy'];
    expect(cspSources(csp, 'script-src')).toContain("'self'");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      // An inline script would need 'unsafe-inline', which the policy does not grant.
      expect(body.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)?.[1];
      expect(src).toBeDefined();
      const scriptUrl = new URL(src!, `${api.url}/docs/`);
      expect(scriptUrl.origin).toBe(api.url);
      await request(api.url)
        .get(scriptUrl.pathname)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    if (/<style/.test(page.text)) expect(cspSources(csp, 'style-src')).toContain("'unsafe-inline'");
    // The UI reads the document from this origin.
    expect(cspSources(csp, 'connect-src')).toContain("'self'");
    await request(api.url).get('/docs-json').expect(200);
  });
});

describe('CORS with CORS_ORIGINS set (e2e)', () => {
  let api: ApiHarness;
  let apiKey: string;
  beforeAll(async () => {
    api = await startApi({ CORS_ORIGINS: ALLOWED });
    apiKey = (await signUp(api.url, 'consumer')).apiKey;
  });
  afterAll(() => api.close());

  it('over HTTP: a listed origin is allowed, preflight included; another gets no Access-Control-Allow-Origin', async () => {
    const preflight = await request(api.url)
      .options('/v1/conversations')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    const allowed = await request(api.url).get('/health').set('Origin', ALLOWED).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);

    const foreignPreflight = await request(api.url)
      .options('/v1/conversations')
      .set('Origin', FOREIGN)
      .set('Access-Control-Request-Method', 'POST');
    expect(foreignPreflight.headers['access-control-allow-origin']).toBeUndefined();
    const foreign = await request(api.url).get('/health').set('Origin', FOREIGN).expect(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('over socket.io: the same policy, for the polling handshake and for websocket', async () => {
    const allowed = await pollingHandshake(api.url, ALLOWED).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    const refused = await pollingHandshake(api.url, FOREIGN).expect(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    expect(await connectsOverWebsocket(api.url, apiKey, ALLOWED)).toBe(true);
    expect(await connectsOverWebsocket(api.url, apiKey, FOREIGN)).toBe(false);
  });
});

describe('CORS by default in production (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'production', LOG_FORMAT: 'json' });
  });
  afterAll(() => api.close());

  it('is closed: no cross-origin access over HTTP or socket.io, while the api’s own origin still connects', async () => {
    const foreign = await request(api.url).get('/health').set('Origin', FOREIGN).expect(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    await pollingHandshake(api.url, FOREIGN).expect(403);
    await pollingHandshake(api.url, api.url).expect(200);
  });
});

describe('CORS by default in development (e2e)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ NODE_ENV: 'development' });
  });
  afterAll(() => api.close());

  it('is open to any origin, over HTTP and socket.io', async () => {
    const response = await request(api.url).get('/health').set('Origin', FOREIGN).expect(200);
    expect(response.headers['access-control-allow-origin']).toBe(FOREIGN);
    await pollingHandshake(api.url, FOREIGN).expect(200);
  });
});
