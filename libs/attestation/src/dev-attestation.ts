import { getAddress, isAddress, isHexString, verifyTypedData } from 'ethers';
import type { AttestationPolicy, AttestationVerdict } from './attestation.types';
import {
  DEV_ATTESTATION_DOMAIN,
  DEV_ATTESTATION_FORMAT,
  DEV_ATTESTATION_TYPES,
  DEV_ATTESTATION_WARNING,
  type DevAttestationDocument,
  devAttestationTypedValue,
} from './dev-attestation.format';
import { measurementRefusal, validityRefusal } from './policy';
import { errorMessage, rejected } from './verdict';

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.000)?Z$/;
const FIELDS = [
  'format',
  'warning',
  'nodeAddress',
  'measurement',
  'issuedAt',
  'expiresAt',
  'authority',
  'signature',
];

export function verifyDevAttestation(text: string, policy: AttestationPolicy): AttestationVerdict {
  const parsed = parseDevAttestation(text);
  if (typeof parsed === 'string') return rejected('dev', `malformed document: ${parsed}`);

  const facts = {
    measurement: parsed.measurement.toLowerCase(),
    boundAddress: getAddress(parsed.nodeAddress),
    status: 'development',
    advisories: [DEV_ATTESTATION_WARNING],
    issuedAt: parsed.issuedAt,
    expiresAt: parsed.expiresAt,
  };
  const { signature, ...unsigned } = parsed;
  let signer: string;
  try {
    signer = verifyTypedData(
      DEV_ATTESTATION_DOMAIN,
      DEV_ATTESTATION_TYPES,
      devAttestationTypedValue(unsigned),
      signature,
    );
  } catch (error) {
    return rejected('dev', `signature invalid: ${errorMessage(error)}`, facts);
  }
  const authority = getAddress(parsed.authority);
  const trusted = policy.devAuthorities.some((entry) => entry.toLowerCase() === authority.toLowerCase());
  const refusal =
    (signer === authority
      ? null
      : `signature invalid: signed by ${signer}, not by the named authority ${authority}`) ??
    (trusted ? null : `untrusted dev authority: ${authority} is not in the policy's devAuthorities`) ??
    validityRefusal('dev attestation', new Date(parsed.issuedAt), new Date(parsed.expiresAt), policy.now) ??
    measurementRefusal('dev', facts.measurement, policy);
  return refusal ? rejected('dev', refusal, facts) : { ...facts, kind: 'dev', verified: true };
}

function parseDevAttestation(text: string): DevAttestationDocument | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  // Unsigned extra fields could be shown to a reader as if they were attested, so none are tolerated.
  const unexpected = Object.keys(record).find((key) => !FIELDS.includes(key));
  if (unexpected) return `unexpected field ${unexpected}`;
  const missing = FIELDS.find((key) => typeof record[key] !== 'string');
  if (missing) return `${missing} is missing or not a string`;
  if (record.format !== DEV_ATTESTATION_FORMAT) return `format is not ${DEV_ATTESTATION_FORMAT}`;
  if (record.warning !== DEV_ATTESTATION_WARNING) return 'the development warning is missing or altered';
  const document = record as unknown as DevAttestationDocument;
  if (!isAddress(document.nodeAddress) || !isAddress(document.authority)) return 'bad address';
  if (!isHexString(document.measurement, 32)) return 'measurement is not 0x-hex bytes32';
  if (!isHexString(document.signature, 65)) return 'signature is not 65 bytes of 0x-hex';
  for (const field of ['issuedAt', 'expiresAt'] as const) {
    // Signed as whole Unix seconds, so only a UTC ISO time without fractions round-trips exactly.
    if (!ISO_SECONDS.test(document[field]) || Number.isNaN(Date.parse(document[field]))) {
      return `${field} is not an ISO time in whole seconds`;
    }
  }
  return document;
}
