import type { AttestationEvidence } from '@app/attestation';
import type { KeyConfig } from '@app/privacy/ohttp/key-config';

/** One entry of `GET /v1/privacy/gateways`, as the api publishes it (docs/privacy.md). */
export interface GatewayEntry {
  nodeId: string;
  nodeAddress: string;
  operatorId: string | null;
  gatewayUrl: string;
  keyConfig: string;
  keySignature: string;
  keysExpireAt: string;
  attestation: AttestationEvidence;
}

/** One entry of `GET /v1/privacy/relays`. */
export interface RelayEntry {
  id: string;
  url: string;
  name: string;
  operator: { id: string; handle: string };
}

/** A gateway whose key configuration this client checked itself: the only kind it ever seals to. */
export interface VerifiedGateway {
  nodeId: string;
  nodeAddress: string;
  operatorId: string | null;
  /** The configuration sealed to: the first of the published list this client can use (the current key). */
  keyConfig: KeyConfig;
  keysExpireAt: Date;
  attestation: { kind: string; measurement: string | null };
}

export interface RefusedGateway {
  nodeId: string;
  reason: string;
}

export interface PrivacyDirectory {
  gateways: VerifiedGateway[];
  refused: RefusedGateway[];
  relays: RelayEntry[];
}
