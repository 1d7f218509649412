import { parseRelayOptions, RelayOptionsError, wantsHelp } from './relay-options';

describe('parseRelayOptions', () => {
  it('listens on 127.0.0.1:3300 with 120 requests a minute and 1 MiB bodies by default', () => {
    expect(parseRelayOptions(['--api', 'http://api.example:3000/'], {})).toMatchObject({
      apiUrl: 'http://api.example:3000',
      port: 3300,
      host: '127.0.0.1',
      relayId: undefined,
      rateLimitPerMinute: 120,
      maxBody: 1024 * 1024,
    });
  });

  it('reads the environment for a flag not given; flags win', () => {
    const env = {
      RELAY_API_URL: 'https://api.example',
      RELAY_PORT: '0',
      RELAY_HOST: '0.0.0.0',
      RELAY_ID: 'b3c1f0de-0000-4000-8000-000000000001',
      RELAY_RATE_LIMIT_PER_MINUTE: '30',
      RELAY_MAX_BODY: '4096',
    };
    expect(parseRelayOptions([], env)).toMatchObject({
      apiUrl: 'https://api.example',
      port: 0,
      host: '0.0.0.0',
      relayId: env.RELAY_ID,
      rateLimitPerMinute: 30,
      maxBody: 4096,
    });
    expect(parseRelayOptions(['--port', '8443', '--relay-id', 'r1'], env)).toMatchObject({
      port: 8443,
      relayId: 'r1',
    });
  });

  it('refuses, with the usage, a missing api, a bad URL, port, limit or relay id, and unknown flags', () => {
    expect(() => parseRelayOptions([], {})).toThrow(/--api \(or RELAY_API_URL\) is required[\s\S]*Usage:/);
    expect(() => parseRelayOptions(['--api', 'ftp://x'], {})).toThrow(RelayOptionsError);
    expect(() => parseRelayOptions(['--api', 'http://x', '--port', '70000'], {})).toThrow(/--port/);
    expect(() => parseRelayOptions(['--api', 'http://x'], { RELAY_RATE_LIMIT_PER_MINUTE: '0' })).toThrow(
      /RELAY_RATE_LIMIT_PER_MINUTE/,
    );
    expect(() => parseRelayOptions(['--api', 'http://x'], { RELAY_MAX_BODY: '1e3x' })).toThrow(
      /RELAY_MAX_BODY/,
    );
    expect(() => parseRelayOptions(['--api', 'http://x', '--relay-id', 'a b\r\nx: y'], {})).toThrow(
      /--relay-id/,
    );
    expect(() => parseRelayOptions(['--api', 'http://x', '--verbose'], {})).toThrow(RelayOptionsError);
  });

  it('allows private gateways by default only for an api on loopback, a private address or a dotless name', () => {
    const allowed = (argv: string[], env: NodeJS.ProcessEnv = {}): boolean =>
      parseRelayOptions(argv, env).allowPrivateGateways;
    expect(allowed(['--api', 'http://127.0.0.1:3000'])).toBe(true);
    expect(allowed(['--api', 'http://localhost:3000'])).toBe(true);
    expect(allowed(['--api', 'http://192.168.1.20:3000'])).toBe(true);
    expect(allowed(['--api', 'http://api:3000'])).toBe(true);
    expect(allowed(['--api', 'https://api.twinproof.example'])).toBe(false);
    expect(allowed(['--api', 'https://api.twinproof.example', '--allow-private-gateways', 'true'])).toBe(
      true,
    );
    expect(allowed(['--api', 'http://127.0.0.1:3000'], { RELAY_ALLOW_PRIVATE_GATEWAYS: 'false' })).toBe(
      false,
    );
    expect(() => allowed(['--api', 'http://x', '--allow-private-gateways', 'yes'])).toThrow(
      /--allow-private-gateways \(or RELAY_ALLOW_PRIVATE_GATEWAYS\) must be true or false/,
    );
  });

  it('knows --help and -h anywhere', () => {
    expect(wantsHelp(['--api', 'x', '-h'])).toBe(true);
    expect(wantsHelp(['--api', 'x'])).toBe(false);
  });
});
