import type { IncomingMessage } from 'node:http';
import { clientAddress } from './client-address';

function request(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For unless proxies are trusted, so a client cannot choose its own address', () => {
    expect(clientAddress(request('10.0.0.9', '1.2.3.4'), 0)).toBe('10.0.0.9');
  });

  it('believes exactly as many hops as configured, counted from the api, as Express does', () => {
    expect(clientAddress(request('10.0.0.9', 'spoofed, 203.0.113.7'), 1)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.9', 'spoofed, 203.0.113.7, 10.0.0.8'), 2)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.9'), 1)).toBe('10.0.0.9');
  });
});
