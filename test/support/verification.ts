import { AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';

/** What an outside verifier of this test run trusts: the run's own local dev CA, and no measurement list. */
export async function devAttestationPolicy(): Promise<AttestationPolicy> {
  const authority = await DevAttestationAuthority.loadOrCreate(AppConfig.fromProcessEnv().node.devCaFile);
  return { now: new Date(), allowedMeasurements: null, devAuthorities: [authority.address] };
}
