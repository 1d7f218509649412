import { Injectable } from '@nestjs/common';
import { AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';

/** The dev CA of `npm start` and the in-process node is trusted too if TRUST_LOCAL_DEV_CA (default: not production). */
@Injectable()
export class AttestationPolicyProvider {
  private devAuthorities?: Promise<string[]>;

  constructor(private readonly config: AppConfig) {}

  async current(now = new Date()): Promise<AttestationPolicy> {
    // A failed read is tried again next time, not remembered: the router asks on every directory read.
    this.devAuthorities ??= this.loadDevAuthorities().catch((error: unknown) => {
      this.devAuthorities = undefined;
      throw error;
    });
    const { allowedMeasurements } = this.config.attestation;
    return {
      now,
      devAuthorities: await this.devAuthorities,
      allowedMeasurements: allowedMeasurements
        ? {
            dev: allowedMeasurements,
            nitro: allowedMeasurements,
            tdx: allowedMeasurements,
            sgx: allowedMeasurements,
          }
        : null,
    };
  }

  private async loadDevAuthorities(): Promise<string[]> {
    const configured = this.config.attestation.trustedDevAuthorities;
    if (!this.config.attestation.trustLocalDevCa) return configured;
    const local = await DevAttestationAuthority.loadOrCreate(this.config.node.devCaFile);
    return [...configured, local.address];
  }
}
