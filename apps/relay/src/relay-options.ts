import { flagReader, httpUrlOption, integerOption, trimmed, wantsHelp } from '@app/common/cli-options';
import type { LogSettings } from '@app/common/root-logger';
import { isPrivateNetworkHost } from './gateway-address';

/** Everything a relay process is told, from its flags or, for a flag not given, its environment variable. */
export interface RelayOptions {
  /** The Twinproof api whose `GET /v1/privacy/gateways` names each node's gateway. */
  apiUrl: string;
  /** 0: any free port. */
  port: number;
  host: string;
  /** Sent to gateways as `Twinproof-Relay`, so the network can count private traffic per registered relay. */
  relayId?: string;
  /** Per client address; also the burst a client may send at once. */
  rateLimitPerMinute: number;
  /** The largest encapsulated request body, in bytes. */
  maxBody: number;
  /** Whether gateways on loopback, private, link-local or CGNAT addresses are reached (see allowPrivateGatewaysFor). */
  allowPrivateGateways: boolean;
  log: LogSettings;
}

export const RELAY_DEFAULTS = {
  port: 3300,
  host: '127.0.0.1',
  rateLimitPerMinute: 120,
  maxBody: 1024 * 1024,
} as const;

export class RelayOptionsError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = new.target.name;
  }
}

export const USAGE = `Usage: npm run relay -- --api URL [options]   (docs/privacy.md)
  --api URL          the Twinproof api that lists the gateways                 RELAY_API_URL
  --port PORT        (default 3300; 0: any free port)                          RELAY_PORT
  --host HOST        (default 127.0.0.1)                                       RELAY_HOST
  --relay-id ID      this relay's id in GET /v1/privacy/relays, sent to gateways as Twinproof-Relay   RELAY_ID
  --allow-private-gateways true|false   reach gateways on loopback/private addresses      RELAY_ALLOW_PRIVATE_GATEWAYS
                     (default: true when --api is on one, or a name without a dot; false otherwise)
  environment only:  RELAY_RATE_LIMIT_PER_MINUTE (default 120, per client address),
                     RELAY_MAX_BODY (bytes, default 1048576), LOG_LEVEL, LOG_FORMAT`;

const FLAGS = {
  api: 'RELAY_API_URL',
  port: 'RELAY_PORT',
  host: 'RELAY_HOST',
  'relay-id': 'RELAY_ID',
  'allow-private-gateways': 'RELAY_ALLOW_PRIVATE_GATEWAYS',
} as const;

type Flag = keyof typeof FLAGS;

export { wantsHelp };

const refuse = (message: string): Error => new RelayOptionsError(message);
const httpUrl = (value: string, flag: string): string => httpUrlOption(value, `--${flag}`, refuse);
const integer = (
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number => integerOption(value, name, fallback, { min, max }, refuse);

/**
 * A relay that serves an api on its own machine or network (`npm start`, docker compose) reaches that network's
 * gateways; one that serves a public api reaches public gateways only, so a node cannot point it inward.
 */
export function allowPrivateGatewaysFor(apiUrl: string): boolean {
  return isPrivateNetworkHost(new URL(apiUrl));
}

function boolean(value: string | undefined, flag: Flag, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new RelayOptionsError(`--${flag} (or ${FLAGS[flag]}) must be true or false, not "${value}".`);
}

// The relay id travels in a header to every gateway: a plain token, so it cannot smuggle anything else.
const RELAY_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function parseRelayOptions(argv: readonly string[], env: NodeJS.ProcessEnv): RelayOptions {
  const get = flagReader<Flag>(argv, env, FLAGS, refuse);
  const api = get('api');
  if (api === undefined) throw new RelayOptionsError(`--api (or ${FLAGS.api}) is required.`);
  const relayId = get('relay-id');
  if (relayId !== undefined && !RELAY_ID.test(relayId))
    throw new RelayOptionsError(
      `--relay-id must be 1-128 letters, digits, ".", "_" or "-", not "${relayId}".`,
    );
  const logLevel = env.LOG_LEVEL ?? 'log';
  if (!['error', 'warn', 'log', 'debug', 'verbose'].includes(logLevel))
    throw new RelayOptionsError(`LOG_LEVEL must be error, warn, log, debug or verbose, not "${logLevel}".`);
  const apiUrl = httpUrl(api, 'api');
  return {
    apiUrl,
    port: integer(get('port'), '--port', RELAY_DEFAULTS.port, 0, 65_535),
    host: get('host') ?? RELAY_DEFAULTS.host,
    relayId,
    rateLimitPerMinute: integer(
      trimmed(env.RELAY_RATE_LIMIT_PER_MINUTE),
      'RELAY_RATE_LIMIT_PER_MINUTE',
      RELAY_DEFAULTS.rateLimitPerMinute,
      1,
      1_000_000,
    ),
    maxBody: integer(trimmed(env.RELAY_MAX_BODY), 'RELAY_MAX_BODY', RELAY_DEFAULTS.maxBody, 1, 1024 ** 3),
    allowPrivateGateways: boolean(
      get('allow-private-gateways'),
      'allow-private-gateways',
      allowPrivateGatewaysFor(apiUrl),
    ),
    log: {
      format:
        env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === undefined && process.stdout.isTTY)
          ? 'pretty'
          : 'json',
      level: logLevel as LogSettings['level'],
      app: 'relay',
    },
  };
}
