import { type AttestationPolicy, verifyNodeBinding } from '@app/attestation';
import { checkGatewayKeys } from '@app/privacy/gateway/key-binding';
import { KEM_X25519_HKDF_SHA256 } from '@app/privacy/ohttp/constants';
import { type KeyConfig, parseKeyConfigs } from '@app/privacy/ohttp/key-config';
import type { GatewayEntry, RefusedGateway, VerifiedGateway } from './directory.types';

export type GatewayCheck = { ok: true; gateway: VerifiedGateway } | { ok: false; refused: RefusedGateway };

/**
 * Seals only to a key the attested node signed: the attestation binds nodeAddress, nodeAddress signed exactly these
 * configuration bytes, and they have not expired. Otherwise the relay or the api could hand out their own key and read
 * everything. Never throws: a malformed entry is refused with its reason.
 */
export async function checkGateway(
  entry: GatewayEntry,
  policy: AttestationPolicy,
  now: Date,
): Promise<GatewayCheck> {
  const nodeId = typeof entry?.nodeId === 'string' ? entry.nodeId : String(entry?.nodeId);
  const refuse = (reason: string): GatewayCheck => ({ ok: false, refused: { nodeId, reason } });
  const verdict = await verifyNodeBinding(entry.attestation, entry.nodeAddress, { ...policy, now });
  if (!verdict.verified)
    return refuse(`its attestation does not bind ${entry.nodeAddress}: ${verdict.reason ?? 'not verified'}`);
  const keys = checkGatewayKeys(
    entry.nodeAddress,
    { keyConfig: entry.keyConfig, signature: entry.keySignature, expiresAt: entry.keysExpireAt },
    now,
  );
  if (!keys.ok) return refuse(keys.reason);
  let configs: KeyConfig[];
  try {
    configs = parseKeyConfigs(keys.keyConfig);
  } catch (error) {
    return refuse(
      `its key configuration is malformed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const usable = configs.find(
    (config) => config.kemId === KEM_X25519_HKDF_SHA256 && config.suites.length > 0,
  );
  if (!usable) return refuse('its key configuration offers no X25519 key with a suite');
  return {
    ok: true,
    gateway: {
      nodeId,
      nodeAddress: verdict.boundAddress ?? entry.nodeAddress,
      operatorId: entry.operatorId ?? null,
      keyConfig: usable,
      keysExpireAt: new Date(entry.keysExpireAt),
      attestation: { kind: verdict.kind, measurement: verdict.measurement },
    },
  };
}
