import { inspect } from 'node:util';
import { isUnreachableError } from './chain-rpc';
import { redactRpcUrl, redactRpcUrlIn } from './redact-rpc-url';
import { ChainUnreachableError } from './settlement.errors';

const SECRET = 'k3y5ecret0123';

describe('redactRpcUrl', () => {
  it('keeps scheme, host and port, and hides a key in the query, path or userinfo', () => {
    expect(redactRpcUrl(`http://127.0.0.1:8945/?apikey=${SECRET}`)).toBe('http://127.0.0.1:8945/…');
    expect(redactRpcUrl(`https://mainnet.infura.io/v3/${SECRET}`)).toBe('https://mainnet.infura.io/…');
    expect(redactRpcUrl(`https://user:${SECRET}@rpc.example.com:8443/`)).toBe(
      'https://rpc.example.com:8443/…',
    );
    expect(redactRpcUrl(`wss://rpc.example.com/ws#${SECRET}`)).toBe('wss://rpc.example.com/…');
  });

  it('shows a URL with nothing to hide as it is, and nothing of one it cannot parse', () => {
    expect(redactRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
    expect(redactRpcUrl('http://127.0.0.1:8545/')).toBe('http://127.0.0.1:8545');
    expect(redactRpcUrl(`not a url ${SECRET}`)).toBe('…');
  });
});

describe('redactRpcUrlIn', () => {
  it('hides the URL and its key however a library quoted them', () => {
    const url = `https://rpc.example.com/v2/${SECRET}?apikey=${SECRET}2`;
    const text = [
      `request to ${url} failed`,
      `(info={ "requestUrl": "${new URL(url).href}" })`,
      `path /v2/${SECRET}, key ${SECRET}2`,
    ].join('; ');
    const redacted = redactRpcUrlIn(text, url);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).toContain('request to https://rpc.example.com/… failed');
  });
});

describe('ChainUnreachableError', () => {
  it('names the chain without the key, in its message and its fields, even when the cause quotes the URL', () => {
    for (const url of [
      `http://127.0.0.1:8945/?apikey=${SECRET}`,
      `https://mainnet.infura.io/v3/${SECRET}`,
      `https://user:${SECRET}@rpc.example.com/`,
    ]) {
      const cause = Object.assign(new Error(`request to ${url} failed, reason: connect ECONNREFUSED`), {
        code: 'ECONNREFUSED',
        request: { url },
      });
      const error = new ChainUnreachableError(url, cause);
      expect(error.message).toContain(`The chain at ${redactRpcUrl(url)} is unreachable`);
      expect(error.message).toContain('ECONNREFUSED');
      // What a logger prints: message, stack, own fields and the cause chain.
      const printed = [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: 5 })].join(
        '\n',
      );
      expect({ url, leaked: printed.includes(SECRET) }).toEqual({ url, leaked: false });
      // Still recognised as a transport failure without its cause (npm start then starts a dev chain).
      expect(isUnreachableError(error)).toBe(true);
    }
  });
});
