import type { AttestationKind, AttestationPolicy } from './attestation.types';

/**
 * All three mean current microcode and firmware (no OutOfDate, nothing Revoked); the remaining advisories are mitigated
 * by enclave software (SWHardeningNeeded) or hang on a BIOS setting cloud hosts keep on (hyper-threading). Advisory ids
 * are returned so a stricter deployment can narrow this list.
 */
export const DEFAULT_ACCEPTED_TCB_STATUSES: readonly string[] = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationAndSWHardeningNeeded',
];

/** Lower-case 0x-hex, so allow-lists may be written with or without 0x and in either case. */
export function normalizeHex(value: string): string {
  const bare = value.trim().replace(/^0x/i, '').toLowerCase();
  return `0x${bare}`;
}

export function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

export function measurementRefusal(
  kind: AttestationKind,
  measurement: string,
  policy: AttestationPolicy,
): string | null {
  if (policy.allowedMeasurements === null) return null;
  const allowed = policy.allowedMeasurements[kind] ?? [];
  const wanted = normalizeHex(measurement);
  return allowed.some((entry) => normalizeHex(entry) === wanted)
    ? null
    : `measurement not allowed: ${wanted} is not in the ${kind} allow-list`;
}

export function validityRefusal(what: string, notBefore: Date, notAfter: Date, now: Date): string | null {
  // NaN compares false both ways, so an unreadable date must refuse rather than fall through as valid.
  if ([notBefore, notAfter, now].some((date) => Number.isNaN(date.getTime())))
    return `${what} has no valid dates`;
  if (now.getTime() < notBefore.getTime()) return `${what} not yet valid until ${notBefore.toISOString()}`;
  if (now.getTime() > notAfter.getTime()) return `${what} expired at ${notAfter.toISOString()}`;
  return null;
}
