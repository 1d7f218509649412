import type { FinishReason } from '@app/inference/model-provider';
import type { Receipt } from '@app/receipts/receipt.spec-types';
import type { NodeHeartbeatStatus } from './messages';

/** A message a peer sent that does not follow docs/network.md. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** POST /v1/nodes (bearer: the operator's API key). */
export interface NodeRegistrationRequest {
  address: string;
  name: string;
  url: string;
  modelIds: string[];
  region?: string;
  provider?: string;
  issuedAt: number;
  signature: string;
  /** Hardware evidence binding `address` (docs/network.md); without it the api issues a dev attestation. */
  evidence?: NodeTeeEvidence;
}

/** A TDX quote made by the node for its own key, and the DCAP collateral its operator fetched for it. */
export interface NodeTeeEvidence {
  kind: 'tdx';
  /** Base64 of the raw quote (configfs-tsm's outblob). */
  document: string;
  /** DCAP collateral JSON as libs/attestation reads it (test-fixtures/tdx_quote_collateral.json). */
  collateral: Record<string, unknown>;
}

export interface NodeRegistrationResponse {
  id: string;
  address: string;
  status: string;
  attestation: unknown;
  /** The only key whose calls the node accepts. */
  routerAddress: string;
}

/** POST /v1/nodes/:id/heartbeat (no API key: the signature by the node key is the credential). */
export interface NodeHeartbeatRequest {
  at: number;
  outstanding: number;
  status: NodeHeartbeatStatus;
  signature: string;
  /** The node's OHTTP gateway keys, signed by the node key (docs/privacy.md). */
  ohttpKeys?: { keyConfig: string; signature: string; expiresAt: string };
  /** SHA-256 (hex) of the hub artifacts it pins (at most 10,000), covered by the signature (docs/hub.md). */
  pins?: string[];
}

/**
 * `revoked` tells a node it gets no more traffic; `routerAddress`, when given, replaces the one it registered with;
 * `probed` false: the api's last liveness probe of this registration is missing or stale (it cannot reach the node
 * at its registered URL), so the node is not routed to.
 */
export interface NodeHeartbeatResponse {
  status: string;
  routerAddress?: string;
  probed?: boolean;
}

/** The one event after the last chunk of a reply that finished. */
export interface ReceiptEvent {
  object: 'twinproof.receipt';
  finish_reason: FinishReason;
  receipt: Receipt;
  digest: string;
  signature: string;
  salt: string;
}

/** Instead of the receipt, when the reply failed mid-stream. */
export interface NodeErrorEvent {
  error: { code: string; message: string };
}
