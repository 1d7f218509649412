import type { PrivacyDirectory, RelayEntry, VerifiedGateway } from './directory.types';
import { PrivateChatError } from './private-chat.errors';

export interface RouteOptions {
  /** The relay to send through, as its operator publishes it (`<relayUrl>/gateways/<nodeId>` is posted to). */
  relayUrl: string;
  /** A given gateway node; otherwise the first verified one not run by the relay's operator. */
  nodeId?: string;
  /** One operator running both sees who and what: refused unless asked for (tests, a lone developer machine). */
  allowSameOperator?: boolean;
  /** A relay missing from the registry has no known operator, so the check above cannot be made. */
  allowUnlisted?: boolean;
}

export interface PrivateRoute {
  gateway: VerifiedGateway;
  /** Null for an unlisted relay (allowUnlisted). */
  relay: RelayEntry | null;
  relayUrl: string;
  /** Where encapsulated requests are POSTed. */
  endpoint: string;
  /** Said to the user, never silently dropped: an unlisted relay, an unknown operator. */
  warnings: string[];
}

/** Compared by origin and path, so `https://Relay.example/` and `https://relay.example` are one relay. */
export function normalizeRelayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PrivateChatError('UNLISTED_RELAY', `The relay URL ${url} is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new PrivateChatError('UNLISTED_RELAY', `The relay URL ${url} is not http(s).`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

export function chooseRoute(directory: PrivacyDirectory, options: RouteOptions): PrivateRoute {
  const relayUrl = normalizeRelayUrl(options.relayUrl);
  const relay = directory.relays.find((entry) => sameRelay(entry.url, relayUrl)) ?? null;
  const warnings: string[] = [];
  if (!relay) {
    if (!options.allowUnlisted)
      throw new PrivateChatError(
        'UNLISTED_RELAY',
        `The relay ${relayUrl} is not in the registry (GET /v1/privacy/relays), so who runs it is unknown. ${listedRelays(directory.relays)} To list a relay, its operator registers it (POST /v1/privacy/relays with an operator key) and starts it with --relay-id <the id answered>; or accept an unlisted one explicitly.`,
      );
    warnings.push(
      `The relay ${relayUrl} is not in the registry: its operator is unknown, so it may be the gateway's.`,
    );
  }
  const gateway = pickGateway(directory, relay, options);
  if (relay && gateway.operatorId === null)
    warnings.push(
      `The gateway node ${gateway.nodeId} names no operator: it cannot be told apart from the relay's.`,
    );
  return {
    gateway,
    relay,
    relayUrl,
    endpoint: `${relayUrl}/gateways/${encodeURIComponent(gateway.nodeId)}`,
    warnings,
  };
}

function pickGateway(
  directory: PrivacyDirectory,
  relay: RelayEntry | null,
  options: RouteOptions,
): VerifiedGateway {
  const sameOperator = (gateway: VerifiedGateway) =>
    relay !== null && gateway.operatorId !== null && gateway.operatorId === relay.operator.id;
  const refuseSame = (gateway: VerifiedGateway) =>
    new PrivateChatError(
      'SAME_OPERATOR',
      `The relay ${relay?.url} and the gateway node ${gateway.nodeId} are both run by operator ${relay?.operator.handle ?? gateway.operatorId}: together they would see who asked and what. Pick a relay of another operator.`,
    );
  if (options.nodeId !== undefined) {
    const gateway = directory.gateways.find((entry) => entry.nodeId === options.nodeId);
    if (!gateway) {
      const refused = directory.refused.find((entry) => entry.nodeId === options.nodeId);
      if (refused)
        throw new PrivateChatError(
          'GATEWAY_UNVERIFIED',
          `The gateway node ${refused.nodeId} is refused: ${refused.reason}.`,
        );
      throw new PrivateChatError('UNKNOWN_GATEWAY', `No gateway node ${options.nodeId} is published.`);
    }
    if (sameOperator(gateway) && !options.allowSameOperator) throw refuseSame(gateway);
    return gateway;
  }
  if (directory.gateways.length === 0) {
    const reasons = directory.refused.map((entry) => `${entry.nodeId}: ${entry.reason}`);
    throw new PrivateChatError(
      'NO_GATEWAY',
      reasons.length
        ? `No gateway could be verified (${reasons.join('; ')}).`
        : 'No gateway is published: no node serves private chat.',
    );
  }
  const independent = directory.gateways.find((gateway) => !sameOperator(gateway));
  if (independent) return independent;
  if (options.allowSameOperator) return directory.gateways[0];
  throw refuseSame(directory.gateways[0]);
}

function listedRelays(relays: RelayEntry[]): string {
  if (relays.length === 0) return 'No relay is registered yet.';
  return `Registered relays: ${relays.map((relay) => `${relay.url} (@${relay.operator.handle})`).join(', ')}.`;
}

function sameRelay(listed: string, wanted: string): boolean {
  try {
    return normalizeRelayUrl(listed) === wanted;
  } catch {
    return false;
  }
}
