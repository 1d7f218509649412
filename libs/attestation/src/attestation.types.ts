export const ATTESTATION_KINDS = ['dev', 'nitro', 'tdx', 'sgx'] as const;

export type AttestationKind = (typeof ATTESTATION_KINDS)[number];

export interface AttestationEvidence {
  kind: AttestationKind;
  /** dev: the JSON text issued by a dev authority; nitro: base64 COSE_Sign1; tdx/sgx: base64 of the raw quote. */
  document: string;
  /** tdx/sgx: the DCAP collateral object (dcap-qvl / PCCS JSON shape). Ignored by the other kinds. */
  collateral?: unknown;
}

export interface AttestationVerdict {
  kind: AttestationKind;
  verified: boolean;
  /**
   * Lower-case 0x-hex (dev: issued, nitro: PCR0, tdx: MRTD, sgx: MRENCLAVE), even when not `verified`, so an operator
   * sees what to allow-list; only `verified` says it can be trusted.
   */
  measurement: string | null;
  /** The checksummed address the evidence commits to, or null when it commits to none in our format. */
  boundAddress: string | null;
  reason?: string;
  /** dcap: the TCB status; nitro: 'debug' when the PCRs are zeroed, else 'production'; dev: 'development'. */
  status?: string;
  advisories?: string[];
  issuedAt?: string;
  /** ISO 8601: when this evidence stops verifying (certificate, collateral or dev expiry). */
  expiresAt?: string;
  /** Secondary measurements and identifiers (other PCRs, RTMRs, MRSIGNER, module id…), lower-case hex or text. */
  details?: Record<string, string>;
}

export type MeasurementAllowList = Partial<Record<AttestationKind, readonly string[]>>;

export interface AttestationPolicy {
  /** The verification time; pinned in tests and offline audits, `new Date()` in a live verifier. */
  now: Date;
  /** null: report, do not enforce. A kind without an entry allows nothing, so enabling TDX accepts no guest unasked. */
  allowedMeasurements: MeasurementAllowList | null;
  /** Addresses of the local dev CAs whose development attestations are accepted. */
  devAuthorities: readonly string[];
  /** DCAP TCB statuses that count as verified; defaults to DEFAULT_ACCEPTED_TCB_STATUSES. */
  acceptedTcbStatuses?: readonly string[];
}
