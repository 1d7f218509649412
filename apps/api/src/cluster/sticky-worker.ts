import { setupWorker } from '@socket.io/sticky';
import type { SendHandle } from 'node:child_process';
import cluster from 'node:cluster';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server } from 'socket.io';

/** Set by the api's cluster primary in its workers' environment: another cluster (pm2's) is not ours. */
export const STICKY_WORKER_ENV = 'TWINPROOF_API_WORKER';

/** The message a worker sends its primary once it serves: the primary forks the next one, or starts listening. */
export const WORKER_READY = 'twinproof:api-ready';

/** A header on every HTTP response of a cluster worker, naming it: how one sees (and tests) the balancing. */
export const WORKER_HEADER = 'x-api-worker';

export function isStickyWorker(): boolean {
  // A marker between the primary and its workers, not a setting: AppConfig does not know it.
  // eslint-disable-next-line no-restricted-properties
  return cluster.isWorker && process.env[STICKY_WORKER_ENV] === '1';
}

type Held = [message: unknown, handle: SendHandle];
const held: Held[] = [];
let holding: ((message: unknown, handle: SendHandle) => void) | undefined;
let io: Server | undefined;

/**
 * From the worker's first line: connections the primary hands over while Nest is still starting (a worker started
 * again after a crash is chosen at once: it has the fewest sessions) wait here instead of being dropped, which is
 * what a sticky worker with no listener yet does to them.
 */
export function holdConnectionsUntilReady(): void {
  if (!isStickyWorker()) return;
  holding = (message: unknown, handle: SendHandle) => {
    const type = (message as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type.startsWith('sticky:')) held.push([message, handle]);
  };
  process.on('message', holding);
}

/** The api's socket.io adapter calls this with the server it made; outside a cluster worker it does nothing. */
export function attachStickyWorker(server: Server): void {
  if (isStickyWorker()) io = server;
}

/**
 * Once Nest has its routes and gateways: take connections from the primary (socket.io sessions stay on the worker
 * that opened them, through @socket.io/sticky), replay the held ones, and tell the primary.
 */
export function serveStickyConnections(httpServer: HttpServer): void {
  if (!io) throw new Error('The socket.io server was not created: no gateway, or not a cluster worker.');
  setupWorker(io);
  const name = String(cluster.worker?.id ?? process.pid);
  httpServer.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader(WORKER_HEADER, name);
    countWhileOpen(request, response);
  });
  if (holding) process.off('message', holding);
  for (const [message, handle] of held.splice(0)) process.emit('message', message, handle);
  process.send?.({ type: WORKER_READY });
}

let requests = 0;

/**
 * The primary balances by least connections, but counts only socket.io sessions: every REST request (a streaming
 * OpenAI-style completion too) would go to the same worker, the first of equals. An HTTP request outside socket.io
 * counts as a session while it is open, in the primary's own terms (@socket.io/sticky's connection messages).
 */
function countWhileOpen(request: IncomingMessage, response: ServerResponse): void {
  if (request.url?.startsWith('/socket.io/')) return;
  const id = `http-${process.pid}-${++requests}`;
  const ignore = (): void => undefined;
  process.send?.({ type: 'sticky:connection', data: id }, ignore);
  response.once('close', () => process.send?.({ type: 'sticky:disconnection', data: id }, ignore));
}
