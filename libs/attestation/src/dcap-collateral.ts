import { X509Certificate } from 'node:crypto';
import type { Collateral } from '@phala/dcap-qvl';
import { crlRefusal } from './crl';
import { INTEL_SGX_ROOT_CA } from './intel-root';
import { chainValidityRefusal, commonName, pemToDer } from './x509';

/** dcap-qvl's collateral, plus the PCK chain it prefers over the quote's when present. */
export type DcapCollateral = Collateral & { pck_certificate_chain?: string };

const TEXT_FIELDS = [
  'pck_crl_issuer_chain',
  'tcb_info_issuer_chain',
  'tcb_info',
  'qe_identity_issuer_chain',
  'qe_identity',
];
const BINARY_FIELDS = ['root_ca_crl', 'pck_crl', 'tcb_info_signature', 'qe_identity_signature'];

/** Typed, or why unusable: an object or its JSON text, binary fields hex or byte arrays (PCCS clients differ). */
export function readCollateral(input: unknown): DcapCollateral | string {
  const value = typeof input === 'string' ? parseJson(input) : input;
  if (typeof value !== 'object' || value === null) return 'malformed collateral: missing';
  const record = value as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    if (typeof record[field] !== 'string') return `malformed collateral: ${field} is not a string`;
  }
  for (const field of BINARY_FIELDS) {
    if (toBytes(record[field]) === null) return `malformed collateral: ${field} is neither hex nor bytes`;
  }
  if (record.pck_certificate_chain !== undefined && typeof record.pck_certificate_chain !== 'string') {
    return 'malformed collateral: pck_certificate_chain is not a string';
  }
  for (const field of ['tcb_info', 'qe_identity']) {
    if (collateralWindow(record[field] as string) === null)
      return `malformed collateral: ${field} is not valid JSON`;
  }
  return value as DcapCollateral;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function toBytes(value: unknown): Uint8Array | null {
  if (typeof value === 'string') return /^([0-9a-fA-F]{2})+$/.test(value) ? Buffer.from(value, 'hex') : null;
  if (Array.isArray(value) && value.every((byte) => Number.isInteger(byte) && byte >= 0 && byte <= 255)) {
    return Uint8Array.from(value as number[]);
  }
  return null;
}

export function collateralWindow(json: string): { issueDate: Date; nextUpdate: Date } | null {
  try {
    const parsed = JSON.parse(json) as { issueDate?: unknown; nextUpdate?: unknown };
    const issueDate = new Date(String(parsed.issueDate));
    const nextUpdate = new Date(String(parsed.nextUpdate));
    return Number.isNaN(issueDate.getTime()) || Number.isNaN(nextUpdate.getTime())
      ? null
      : { issueDate, nextUpdate };
  } catch {
    return null;
  }
}

/** The root CA CRL must be signed by the Intel root, the PCK CRL by the PCK certificate's issuer; both current. */
export function revocationListRefusal(
  collateral: DcapCollateral,
  pckLeafDer: Uint8Array,
  now: Date,
): string | null {
  const [pckCaDer] = pemToDer(collateral.pck_crl_issuer_chain);
  if (!pckCaDer) return 'malformed collateral: pck_crl_issuer_chain holds no certificate';
  const pckCa = new X509Certificate(pckCaDer);
  const pckLeaf = new X509Certificate(pckLeafDer);
  if (!pckCa.checkIssued(INTEL_SGX_ROOT_CA) || !pckCa.verify(INTEL_SGX_ROOT_CA.publicKey)) {
    return `collateral signature invalid: PCK CRL issuer ${commonName(pckCa)} is not signed by the Intel root`;
  }
  if (!pckLeaf.checkIssued(pckCa) || !pckLeaf.verify(pckCa.publicKey)) {
    return `collateral mismatch: the PCK CRL is from ${commonName(pckCa)}, which did not issue the PCK certificate`;
  }
  return (
    chainValidityRefusal([pckCa], now) ??
    crlRefusal('root CA CRL', toBytes(collateral.root_ca_crl) ?? new Uint8Array(0), INTEL_SGX_ROOT_CA, now) ??
    crlRefusal('PCK CRL', toBytes(collateral.pck_crl) ?? new Uint8Array(0), pckCa, now)
  );
}
