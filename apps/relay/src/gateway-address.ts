import dns from 'node:dns';
import type { RequestOptions } from 'node:http';
import { BlockList, isIP } from 'node:net';

// Where a gateway on the public internet never is. A node operator chooses its gateway URL, so without this a relay
// would POST its clients' bytes into its own network (an admin port on loopback, a database's HTTP API).
const PRIVATE = new BlockList();
PRIVATE.addSubnet('0.0.0.0', 8, 'ipv4'); // unspecified, "this network"
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // CGNAT
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.0.0.0', 24, 'ipv4'); // IETF assignments, some clouds' metadata aliases
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('198.18.0.0', 15, 'ipv4');
PRIVATE.addSubnet('224.0.0.0', 3, 'ipv4'); // multicast, reserved, broadcast
PRIVATE.addSubnet('::', 96, 'ipv6'); // unspecified, loopback, the old IPv4-compatible form
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');
PRIVATE.addSubnet('ff00::', 8, 'ipv6');

// Cloud metadata services hand out credentials: refused even where private gateways are allowed, as no gateway is there.
const METADATA = new BlockList();
METADATA.addAddress('169.254.169.254', 'ipv4');
METADATA.addAddress('100.100.100.200', 'ipv4');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

/** What the relay's own network alone can reach (BlockList also matches IPv4-mapped IPv6 against the IPv4 ranges). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && PRIVATE.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export function refusesGatewayAddress(address: string, allowPrivate: boolean): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return METADATA.check(address, type) || (!allowPrivate && PRIVATE.check(address, type));
}

/** The host of a URL as an address, brackets off an IPv6 literal; undefined for a name. */
export function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) === 0 ? undefined : host;
}

/**
 * A host an operator's own network names: a loopback or private address, `localhost`, or a name without a dot
 * (`api` in docker compose), which no public DNS answers.
 */
export function isPrivateNetworkHost(url: URL): boolean {
  const address = literalAddress(url);
  if (address !== undefined) return isPrivateAddress(address);
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || !host.includes('.');
}

export class RefusedGatewayAddressError extends Error {
  readonly code = 'EREFUSEDADDRESS';
}

type Lookup = NonNullable<RequestOptions['lookup']>;

/**
 * dns.lookup, checked: the address refused is the one connected to, so a public name that resolves to a private
 * address (or is rebound to one between two reads) is refused too. Node skips the lookup for an address literal;
 * the forwarder checks those itself.
 */
export function guardedLookup(allowPrivate: boolean): Lookup {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (addresses.length === 0 || addresses.some((a) => refusesGatewayAddress(a.address, allowPrivate)))
        return callback(new RefusedGatewayAddressError(`${hostname} resolves to a refused address`), '');
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
