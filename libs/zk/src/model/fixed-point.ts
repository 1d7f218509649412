/** As in libs/zk/circuits/reply_score.circom: every feature, weight and bias is an integer at scale 2^FRAC_BITS. */
export const FRAC_BITS = 8;
export const SCALE = 1 << FRAC_BITS;
/** Features are unsigned and below 1.0; the circuit range-checks them to FRAC_BITS bits. */
export const FEATURE_MAX = SCALE - 1;
/** Every accumulator must satisfy |z| < 2^ACC_BITS; the circuit has no witness otherwise. */
export const ACC_BITS = 24;

/** The BN254 scalar field: circuit signals live here, negative numbers as p - |v|. */
export const FIELD_PRIME = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export function toField(value: number | bigint): bigint {
  const v = BigInt(value) % FIELD_PRIME;
  return v < 0n ? v + FIELD_PRIME : v;
}

export function fromField(value: bigint | string): bigint {
  const v = BigInt(value);
  if (v < 0n || v >= FIELD_PRIME) throw new RangeError(`not a field element: ${String(value)}`);
  return v > FIELD_PRIME / 2n ? v - FIELD_PRIME : v;
}

export function quantize(real: number): number {
  return Math.round(real * SCALE);
}

export function dequantize(fixed: number): number {
  return fixed / SCALE;
}
