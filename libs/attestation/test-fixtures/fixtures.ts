// Loads the public TEE samples copied into this folder (see README.md) so the tests need nothing outside the repo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttestationEvidence, AttestationPolicy } from '../src';

/** A "now" inside each sample's validity window, by the rules in README.md. */
export const PINNED_DATES = {
  nitro: new Date('2023-09-07T16:00:00Z'),
  // One hour after the later issueDate of tcb_info (10:16:03) and qe_identity (10:32:27).
  tdx: new Date('2025-06-19T11:32:27Z'),
  // One hour after the later issueDate of tcb_info (10:56:11) and qe_identity (10:01:18).
  sgx: new Date('2025-06-19T11:56:11Z'),
} as const;

export type SampleKind = keyof typeof PINNED_DATES;

export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(__dirname, name));
}

export function collateralOf(kind: 'tdx' | 'sgx'): Record<string, unknown> {
  return JSON.parse(fixtureBytes(`${kind}_quote_collateral.json`).toString('utf8')) as Record<
    string,
    unknown
  >;
}

export function sampleEvidence(kind: SampleKind): AttestationEvidence {
  if (kind === 'nitro')
    return { kind, document: fixtureBytes('nitro_attestation_doc.b64').toString('utf8').trim() };
  return { kind, document: fixtureBytes(`${kind}_quote`).toString('base64'), collateral: collateralOf(kind) };
}

export function policyAt(now: Date, overrides: Partial<AttestationPolicy> = {}): AttestationPolicy {
  return { now, allowedMeasurements: null, devAuthorities: [], ...overrides };
}
