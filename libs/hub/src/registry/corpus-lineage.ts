/** The fields of a corpus entry (libs/hub/corpus/README.md) lineage needs. */
export interface LineageCandidate {
  id: string;
  name: string;
  family_id?: string;
  precision: string;
  opset?: number;
}

const QUANTIZED_SUFFIX = /[-_ ]?(int8|qdq)$/i;

/** A name without its precision or opset suffix: "SSD-MobilenetV1-12-qdq" and "SSD-MobilenetV1" meet. */
function nameStem(name: string): string {
  return name
    .replace(QUANTIZED_SUFFIX, '')
    .replace(/[-_ ]?fp32$/i, '')
    .replace(/[-_ ]\d+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * The fp32 model an int8 or int8-qdq corpus entry was quantized from: the entry whose id is its own without the
 * precision suffix, else the fp32 sibling in the same family with the same name stem, nearest opset first.
 * null when the zoo ships no such sibling (lineage is stated only where the corpus shows it).
 */
export function quantizedFrom(entry: LineageCandidate, all: readonly LineageCandidate[]): string | null {
  if (entry.precision !== 'int8' && entry.precision !== 'int8-qdq') return null;
  const siblings = all.filter((other) => other.precision === 'fp32' && other.family_id === entry.family_id);
  const byId = siblings.find((other) => other.id === entry.id.replace(/-(int8|qdq)$/, ''));
  if (byId) return byId.id;
  const stem = nameStem(entry.name);
  const opset = entry.opset ?? 0;
  const sameStem = siblings
    .filter((other) => nameStem(other.name) === stem)
    .sort(
      (a, b) =>
        Math.abs((a.opset ?? 0) - opset) - Math.abs((b.opset ?? 0) - opset) || b.id.localeCompare(a.id),
    );
  return sameStem[0]?.id ?? null;
}
