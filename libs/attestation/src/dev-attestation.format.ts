import { keccak256, toUtf8Bytes, type TypedDataDomain, type TypedDataField } from 'ethers';

export const DEV_ATTESTATION_FORMAT = 'twinproof-dev-attestation/1';

export const DEV_ATTESTATION_WARNING =
  'DEVELOPMENT ATTESTATION — issued by a local dev CA, not by a TEE; proves nothing about hardware';

/** The JSON text of a dev attestation parses to this; every field but `signature` is signed. */
export interface DevAttestationDocument {
  format: typeof DEV_ATTESTATION_FORMAT;
  warning: typeof DEV_ATTESTATION_WARNING;
  nodeAddress: string;
  /** 0x-hex bytes32, e.g. devMeasurement('twinproof-node@1.4.0+abc123'). */
  measurement: string;
  /** ISO 8601, whole seconds (signed as Unix seconds). */
  issuedAt: string;
  expiresAt: string;
  authority: string;
  /** EIP-712 signature by `authority` over the other fields. */
  signature: string;
}

// A domain of its own, so no receipt signature (domain "Twinproof") can ever pass for an attestation.
export const DEV_ATTESTATION_DOMAIN: TypedDataDomain = { name: 'Twinproof Dev Attestation', version: '1' };

export const DEV_ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  DevAttestation: [
    { name: 'format', type: 'string' },
    { name: 'warning', type: 'string' },
    { name: 'nodeAddress', type: 'address' },
    { name: 'measurement', type: 'bytes32' },
    { name: 'issuedAt', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'authority', type: 'address' },
  ],
};

export function devAttestationTypedValue(document: Omit<DevAttestationDocument, 'signature'>) {
  return {
    format: document.format,
    warning: document.warning,
    nodeAddress: document.nodeAddress,
    measurement: document.measurement,
    issuedAt: Date.parse(document.issuedAt) / 1000,
    expiresAt: Date.parse(document.expiresAt) / 1000,
    authority: document.authority,
  };
}

/** A dev "measurement": keccak256 of a string naming the node build, standing in for PCR0 / MRTD. */
export function devMeasurement(buildDescription: string): string {
  return keccak256(toUtf8Bytes(buildDescription));
}
