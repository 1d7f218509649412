export * from './attestation.types';
export * from './verify-attestation';
export * from './dev-authority';
export { DEV_ATTESTATION_FORMAT, DEV_ATTESTATION_WARNING, devMeasurement } from './dev-attestation.format';
export type { DevAttestationDocument } from './dev-attestation.format';
export { AWS_NITRO_ROOT_SHA256 } from './nitro';
export { INTEL_SGX_ROOT_CA_SHA256 } from './intel-root';
export { DEFAULT_ACCEPTED_TCB_STATUSES, normalizeHex } from './policy';
export { reportDataForAddress } from './address-binding';
