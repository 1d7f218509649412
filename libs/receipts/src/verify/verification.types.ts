export type CheckName =
  | 'receipt-digest'
  | 'signature'
  | 'attestation'
  | 'output-hash'
  | 'input-hash'
  | 'prefix-hash'
  | 'merkle-inclusion'
  | 'anchored-on-chain'
  | 'zk-proof'
  | 'spot-check'
  | 'hash-chain'
  | 'transcript'
  | 'bundles';

export interface CheckResult {
  check: CheckName;
  /** skip: the bundle does not carry what the check needs (not anchored yet, content withheld, no zk proof). */
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

export interface Verification {
  ok: boolean;
  /** No check failed and none was skipped: everything the product promises was shown. */
  complete: boolean;
  checks: CheckResult[];
}

export function summarize(checks: CheckResult[]): Verification {
  const ok = checks.every((check) => check.status !== 'fail');
  return { ok, complete: ok && checks.every((check) => check.status === 'pass'), checks };
}

export const pass = (check: CheckName, detail: string): CheckResult => ({ check, status: 'pass', detail });
export const fail = (check: CheckName, detail: string): CheckResult => ({ check, status: 'fail', detail });
export const skip = (check: CheckName, detail: string): CheckResult => ({ check, status: 'skip', detail });
