import { BlockList, isIP } from 'node:net';
import { ValidateBy, type ValidationOptions } from 'class-validator';

// The api calls a node's url from inside its own network: one naming a cloud metadata service or a link-local
// address would turn a registration into a request forgery. Loopback and private ranges stay allowed (the quick
// start runs nodes on 127.0.0.1); a host name is not resolved here, so production puts an egress policy in front.
const FORBIDDEN_ADDRESSES = new BlockList();
FORBIDDEN_ADDRESSES.addSubnet('169.254.0.0', 16, 'ipv4');
FORBIDDEN_ADDRESSES.addSubnet('fe80::', 10, 'ipv6');
FORBIDDEN_ADDRESSES.addAddress('fd00:ec2::254', 'ipv6');
// Other clouds' metadata services (Alibaba, Oracle), and link-local spelled as IPv6: NAT64, IPv4-compatible, mapped.
FORBIDDEN_ADDRESSES.addAddress('100.100.100.200', 'ipv4');
FORBIDDEN_ADDRESSES.addAddress('192.0.0.192', 'ipv4');
FORBIDDEN_ADDRESSES.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');
FORBIDDEN_ADDRESSES.addSubnet('::a9fe:0', 112, 'ipv6');
FORBIDDEN_ADDRESSES.addSubnet('::ffff:a9fe:0', 112, 'ipv6');
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Why a node may not be registered at this url, or undefined; a url that does not parse is IsUrl's to refuse. */
export function nodeUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return 'url must not carry a user name or password';
  // Relays append a path to it (its OHTTP gateway): a query or fragment would send them elsewhere on that host.
  if (url.search !== '' || url.hash !== '') return 'url must not carry a query or fragment';
  // As fetch will connect: the URL parser has already turned 0xa9.0xfe.0xa9.0xfe or 2852039166 into dotted form.
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  const family = isIP(host);
  const forbidden =
    METADATA_HOSTS.has(host) ||
    (family !== 0 && FORBIDDEN_ADDRESSES.check(host, family === 4 ? 'ipv4' : 'ipv6'));
  return forbidden ? 'url must not name a link-local address or a cloud metadata service' : undefined;
}

export function IsNodeUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNodeUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && nodeUrlProblem(value) === undefined,
        defaultMessage: (args) =>
          (typeof args?.value === 'string' ? nodeUrlProblem(args.value) : undefined) ??
          'url must be a string',
      },
    },
    options,
  );
}
