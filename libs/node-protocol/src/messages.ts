import { createHash } from 'node:crypto';
import { getAddress, isAddress, verifyMessage } from 'ethers';

/** What signs a protocol message: a node's Wallet, or the api's RouterIdentity. */
export interface MessageSigner {
  signMessage(message: string): Promise<string>;
}

export const REGISTRATION_FRESH_MS = 5 * 60_000;
export const HEARTBEAT_FRESH_MS = 60_000;
export const ROUTER_CREDENTIAL_FRESH_MS = 60_000;
/** Lower-case, as Node's http module (and Nest's @Headers) present it. */
export const ROUTER_HEADER = 'x-twinproof-router';

/** `stale`: the time is outside the window; `signature`: not signed by the expected key; `missing`: no credential. */
export type ProtocolProblem = 'stale' | 'signature' | 'missing';

export type ProtocolCheck = { ok: true } | { ok: false; problem: ProtocolProblem; reason: string };

const OK: ProtocolCheck = { ok: true };

export function sameAddress(a: string, b: string): boolean {
  return isAddress(a) && isAddress(b) && getAddress(a) === getAddress(b);
}

function recovers(message: string, signature: string, address: string): boolean {
  try {
    return sameAddress(verifyMessage(message, signature), address);
  } catch {
    return false;
  }
}

function isFresh(at: number, now: number, windowMs: number): boolean {
  return Number.isSafeInteger(at) && Math.abs(now - at) <= windowMs;
}

export interface RegistrationFields {
  operatorUserId: string;
  address: string;
  url: string;
  issuedAt: number;
}

export function registrationMessage(fields: RegistrationFields): string {
  const { operatorUserId, address, url, issuedAt } = fields;
  return `twinproof-node-registration\n${operatorUserId}\n${address}\n${url}\n${issuedAt}`;
}

export function signRegistration(signer: MessageSigner, fields: RegistrationFields): Promise<string> {
  return signer.signMessage(registrationMessage(fields));
}

/** The node key (`address`) signed this registration for this operator within the last 5 minutes. */
export function verifyRegistration(
  fields: RegistrationFields & { signature: string },
  now = Date.now(),
): ProtocolCheck {
  if (!isFresh(fields.issuedAt, now, REGISTRATION_FRESH_MS))
    return {
      ok: false,
      problem: 'stale',
      reason: 'The registration is not fresh (issuedAt more than 5 minutes away).',
    };
  if (!recovers(registrationMessage(fields), fields.signature, fields.address))
    return {
      ok: false,
      problem: 'signature',
      reason: 'The registration is not signed by the key of its address.',
    };
  return OK;
}

export type NodeHeartbeatStatus = 'active' | 'draining';

export interface HeartbeatFields {
  nodeId: string;
  at: number;
  status: NodeHeartbeatStatus;
  outstanding: number;
  /** SHA-256 (hex) of the hub artifacts the node pins and serves (docs/hub.md); absent: it pins nothing. */
  pins?: readonly string[];
}

/** Order-free: the same set of pins signs the same line however the node listed them. */
export function pinsDigest(pins: readonly string[]): string {
  return createHash('sha256')
    .update([...pins].sort().join('\n'))
    .digest('hex');
}

export function heartbeatMessage(fields: HeartbeatFields): string {
  const { nodeId, at, status, outstanding, pins } = fields;
  const base = `twinproof-node-heartbeat\n${nodeId}\n${at}\n${status}\n${outstanding}`;
  // Only when present, so a node without pins signs exactly what it signed before the hub existed.
  return pins === undefined ? base : `${base}\npins:${pinsDigest(pins)}`;
}

export function signHeartbeat(signer: MessageSigner, fields: HeartbeatFields): Promise<string> {
  return signer.signMessage(heartbeatMessage(fields));
}

/** Signed by the node's registered address, within 60 s of now. */
export function verifyHeartbeat(
  fields: HeartbeatFields & { signature: string },
  nodeAddress: string,
  now = Date.now(),
): ProtocolCheck {
  if (!isFresh(fields.at, now, HEARTBEAT_FRESH_MS))
    return { ok: false, problem: 'stale', reason: 'The heartbeat is not fresh (at more than 60 s away).' };
  if (!recovers(heartbeatMessage(fields), fields.signature, nodeAddress))
    return { ok: false, problem: 'signature', reason: 'The heartbeat is not signed by the node key.' };
  return OK;
}

export function bodySha256(rawBody: string | Uint8Array): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

export function routerMessage(nodeAddress: string, issuedAt: number, rawBody: string | Uint8Array): string {
  return `twinproof-router\n${nodeAddress}\n${issuedAt}\n${bodySha256(rawBody)}`;
}

/** The X-Twinproof-Router header value for a call to `nodeAddress` with exactly this body. */
export async function routerCredential(
  router: MessageSigner,
  nodeAddress: string,
  rawBody: string | Uint8Array,
  issuedAt = Date.now(),
): Promise<string> {
  return `${issuedAt}.${await router.signMessage(routerMessage(nodeAddress, issuedAt, rawBody))}`;
}

/** The header was signed by the router key, for this node and this exact body, within 60 s of now. */
export function verifyRouterCredential(
  header: string | undefined,
  expected: { nodeAddress: string; routerAddress: string; rawBody: string | Uint8Array },
  now = Date.now(),
): ProtocolCheck {
  const match = header === undefined ? null : /^(\d{1,16})\.(0x[0-9a-fA-F]+)$/.exec(header);
  if (!match) return { ok: false, problem: 'missing', reason: 'No router credential.' };
  const issuedAt = Number(match[1]);
  if (!isFresh(issuedAt, now, ROUTER_CREDENTIAL_FRESH_MS))
    return { ok: false, problem: 'stale', reason: 'The router credential is not fresh.' };
  const message = routerMessage(expected.nodeAddress, issuedAt, expected.rawBody);
  if (!recovers(message, match[2], expected.routerAddress))
    return {
      ok: false,
      problem: 'signature',
      reason: 'The router credential is not signed by the router key.',
    };
  return OK;
}
