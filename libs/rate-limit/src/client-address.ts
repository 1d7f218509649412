import type { IncomingMessage } from 'node:http';

/**
 * The client's address as Express finds it with `trust proxy` set to a hop count: the peer, unless it is a
 * trusted proxy, in which case the address it forwarded, and so on for `trustedHops` proxies. Express does this
 * for HTTP (req.ip); socket.io handshakes have only the raw request, so they use this.
 */
export function clientAddress(request: IncomingMessage, trustedHops: number): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustedHops === 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean)
    .reverse();
  const chain = [peer, ...forwarded];
  return chain[Math.min(trustedHops, chain.length - 1)];
}
