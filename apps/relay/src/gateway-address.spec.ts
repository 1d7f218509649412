import {
  guardedLookup,
  isPrivateAddress,
  isPrivateNetworkHost,
  literalAddress,
  refusesGatewayAddress,
} from './gateway-address';

function lookup(
  hostname: string,
  allowPrivate: boolean,
  all: boolean,
): Promise<{ error: NodeJS.ErrnoException | null; address: unknown }> {
  return new Promise((resolve) =>
    guardedLookup(allowPrivate)(hostname, { all }, (error, address) => resolve({ error, address })),
  );
}

describe('gateway addresses', () => {
  it('knows loopback, private, link-local, CGNAT, unspecified and IPv4-mapped private addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      '::1',
      'fd12::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
    ])
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    for (const address of ['93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111'])
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
  });

  it('refuses metadata addresses even where private gateways are allowed', () => {
    expect(refusesGatewayAddress('10.0.0.5', true)).toBe(false);
    expect(refusesGatewayAddress('10.0.0.5', false)).toBe(true);
    expect(refusesGatewayAddress('169.254.169.254', true)).toBe(true);
    expect(refusesGatewayAddress('fd00:ec2::254', true)).toBe(true);
    expect(refusesGatewayAddress('93.184.216.34', false)).toBe(false);
  });

  it('reads an address literal from a URL, IPv6 brackets off, and nothing from a name', () => {
    expect(literalAddress(new URL('http://[::1]:80/x'))).toBe('::1');
    expect(literalAddress(new URL('http://127.1/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://0x7f000001/x'))).toBe('127.0.0.1');
    expect(literalAddress(new URL('http://node.example/x'))).toBeUndefined();
  });

  it('takes loopback, private, localhost and dotless names for a private network, public names not', () => {
    for (const url of [
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
      'http://10.0.0.2',
      'http://localhost:3000',
      'http://api:3000',
    ])
      expect([url, isPrivateNetworkHost(new URL(url))]).toEqual([url, true]);
    for (const url of ['https://api.twinproof.example', 'http://93.184.216.34'])
      expect([url, isPrivateNetworkHost(new URL(url))]).toEqual([url, false]);
  });

  it('refuses a name that resolves to loopback unless private gateways are allowed, in both lookup forms', async () => {
    for (const all of [false, true]) {
      const refused = await lookup('localhost', false, all);
      expect(refused.error?.code).toBe('EREFUSEDADDRESS');
      const allowed = await lookup('localhost', true, all);
      expect(allowed.error).toBeNull();
      const addresses = all
        ? (allowed.address as { address: string }[]).map((a) => a.address)
        : [allowed.address as string];
      expect(addresses.every((address) => isPrivateAddress(address))).toBe(true);
    }
  });
});
