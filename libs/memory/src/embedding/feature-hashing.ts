// Signed feature hashing: a feature adds +w or -w to one of `dimensions` slots, so collisions cancel out on
// average instead of piling up. FNV-1a over UTF-16 code units, then murmur3's finaliser to spread the bits:
// the same text gives the same vector on every machine and every run.

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Adds each feature's weight, `1 + ln(count)` (sublinear: a repeated word is not worth n words), to `into`. */
export function hashFeatures(counts: ReadonlyMap<string, number>, into: Float64Array): void {
  for (const [feature, n] of counts) {
    const h = fmix32(fnv1a(feature));
    const slot = h % into.length;
    // A second mix for the sign, so that it does not depend on the slot.
    const sign = fmix32(h ^ 0x9e3779b9) & 1 ? -1 : 1;
    into[slot] += sign * (1 + Math.log(n));
  }
}

export function normalize(vector: Float64Array): Float64Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  if (sum === 0) return vector;
  const norm = Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}
