import { createRootLogger } from '@app/common/root-logger';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { GatewayDirectory } from './gateway-directory';
import { GatewayForwarder } from './gateway-forwarder';
import { RateLimiter } from './rate-limiter';
import { mediaType, OHTTP_REQUEST_TYPES, sendError, sendJson } from './relay-http';
import { RelayMetrics } from './relay-metrics';
import { allowPrivateGatewaysFor, RELAY_DEFAULTS, type RelayOptions } from './relay-options';

export interface StartRelayOptions extends Partial<Omit<RelayOptions, 'apiUrl' | 'log'>> {
  apiUrl: string;
  /** Where its lines go; by default the process's JSON (or pretty) logger from `log`. */
  logger?: Logger;
  log?: RelayOptions['log'];
  /** Tests shorten these; the defaults suit a real relay. */
  directoryRefreshMs?: number;
  directoryMissRefreshMs?: number;
  reportMs?: number;
  rateLimitAddresses?: number;
}

export interface RunningRelay {
  url: string;
  /** Stops taking connections, lets running exchanges finish for up to `drainMs` (default 10 s), then cuts them. */
  close(drainMs?: number): Promise<void>;
}

const GATEWAY_PATH = /^\/gateways\/([^/]+)$/;

/** Said once at start: without its id a gateway cannot tell which registered relay carried the traffic. */
export const NO_RELAY_ID_NOTICE =
  "no --relay-id: the network report will not credit this relay's traffic; register it (POST /v1/privacy/relays) and pass its id";

/**
 * The relay: plain node:http, not Nest. It has five routes, no DI graph worth the name, and its one job is to
 * pass bytes through unchanged and fast; Nest's body parsers and Express's req/res decorations would have to be
 * kept away from the very bodies it streams. It holds no database or Redis: a relay is run by another operator
 * than the api, and keeps nothing but aggregate counters.
 */
export async function startRelay(options: StartRelayOptions): Promise<RunningRelay> {
  const logger =
    options.logger ?? createRootLogger(options.log ?? { format: 'json', level: 'log', app: 'relay' });
  const maxBody = options.maxBody ?? RELAY_DEFAULTS.maxBody;
  const rateLimitPerMinute = options.rateLimitPerMinute ?? RELAY_DEFAULTS.rateLimitPerMinute;
  const metrics = new RelayMetrics();
  const limiter = new RateLimiter(rateLimitPerMinute, options.rateLimitAddresses);
  const directory = new GatewayDirectory({
    apiUrl: options.apiUrl,
    logger,
    refreshMs: options.directoryRefreshMs,
    missRefreshMs: options.directoryMissRefreshMs,
  });
  const allowPrivateGateways = options.allowPrivateGateways ?? allowPrivateGatewaysFor(options.apiUrl);
  const forwarder = new GatewayForwarder({ relayId: options.relayId, maxBody, allowPrivateGateways });
  let inFlight = 0;
  let stopping = false;
  const idle = new EventTarget();

  const relayRequest = async (
    req: IncomingMessage,
    res: ServerResponse,
    encodedNodeId: string,
  ): Promise<void> => {
    metrics.request();
    inFlight += 1;
    res.once('close', () => {
      if (res.headersSent) metrics.response(res.statusCode);
      inFlight -= 1;
      if (inFlight === 0) idle.dispatchEvent(new Event('idle'));
    });
    if (req.method !== 'POST')
      return sendError(req, res, 405, 'METHOD_NOT_ALLOWED', 'Send POST.', { allow: 'POST' });
    // The address decides the bucket and is forgotten with it; it is never logged nor passed on.
    const decision = limiter.take(req.socket.remoteAddress ?? '');
    if (!decision.allowed) {
      metrics.limited();
      return sendError(req, res, 429, 'RATE_LIMITED', 'Too many requests from this address; retry later.', {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
    const contentType = mediaType(req.headers['content-type']);
    if (contentType === undefined || !OHTTP_REQUEST_TYPES.has(contentType))
      return sendError(
        req,
        res,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send message/ohttp-req or message/ohttp-chunked-req.',
      );
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > maxBody)
      return sendError(req, res, 413, 'PAYLOAD_TOO_LARGE', `The body is over ${maxBody} bytes.`);
    let nodeId: string;
    try {
      nodeId = decodeURIComponent(encodedNodeId);
    } catch {
      return sendError(req, res, 404, 'NOT_FOUND', 'No gateway is known for that node.');
    }
    const gateway = await directory.lookup(nodeId);
    if (gateway.kind === 'unavailable')
      return sendError(
        req,
        res,
        503,
        'UNAVAILABLE',
        'The relay cannot read the list of gateways; retry later.',
      );
    if (gateway.kind === 'unknown')
      return sendError(req, res, 404, 'NOT_FOUND', 'No gateway is known for that node.');
    forwarder.forward(req, res, gateway.url, contentType);
  };

  const server = createServer((req, res) => {
    // While stopping, a keep-alive connection takes its running request and no other.
    if (stopping) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?', 1)[0];
    const gateway = GATEWAY_PATH.exec(path);
    if (gateway) {
      relayRequest(req, res, gateway[1]).catch(() => {
        if (!res.headersSent) sendError(req, res, 500, 'INTERNAL', 'The relay failed; retry later.');
        else res.destroy();
      });
    } else if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok' });
    } else if (path === '/metrics' && req.method === 'GET') {
      sendJson(res, 200, metrics.snapshot());
    } else {
      sendError(
        req,
        res,
        404,
        'NOT_FOUND',
        'Nothing here: POST /gateways/<nodeId>, GET /health, GET /metrics.',
      );
    }
  });

  await directory.start();
  server.listen(options.port ?? RELAY_DEFAULTS.port, options.host ?? RELAY_DEFAULTS.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    directory.stop();
    forwarder.close();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  logger.info(
    `Relay listening on ${url}, forwarding to the gateways listed by ${options.apiUrl}` +
      `${options.relayId ? ` as relay ${options.relayId}` : ''}; ${rateLimitPerMinute} requests a minute per address, ` +
      `bodies up to ${maxBody} bytes`,
  );
  if (!options.relayId) logger.warn(NO_RELAY_ID_NOTICE);
  logger.info(
    allowPrivateGateways
      ? 'Gateways on loopback and private addresses are reached (--allow-private-gateways true)'
      : 'Gateways on loopback, private, link-local and CGNAT addresses are refused (--allow-private-gateways false)',
  );
  const reporter = setInterval(() => {
    const line = metrics.report();
    if (line) logger.info(line);
  }, options.reportMs ?? 60_000);
  reporter.unref();

  return {
    url,
    async close(drainMs = 10_000): Promise<void> {
      if (stopping) return;
      stopping = true;
      directory.stop();
      clearInterval(reporter);
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0) {
        const drained = once(idle, 'idle');
        const timer = setTimeout(() => idle.dispatchEvent(new Event('idle')), drainMs);
        await drained;
        clearTimeout(timer);
      }
      server.closeAllConnections();
      forwarder.close();
      await closed;
      const line = metrics.report();
      if (line) logger.info(line);
      logger.info('Relay stopped');
    },
  };
}
