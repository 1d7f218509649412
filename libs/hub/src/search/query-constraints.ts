// Reads the constraints people write into a search box ("int8", "under 10 MB", "most accurate") and removes them
// from the text, so "int8" ranks by precision rather than by how often a description says "int8".

export type SortIntent = 'accuracy' | 'size';

export interface TextConstraints {
  text: string;
  precision?: string;
  maxBytes?: number;
  sort?: SortIntent;
  labels: string[];
}

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
};

const SIZE_LIMIT =
  /(?:under|below|less than|smaller than|lighter than|at most|up to|max(?:imum)?|no more than|within|<=?|≤)\s*(\d+(?:\.\d+)?)\s*(bytes|kb|mb|gb|b|k|m|g)\b/i;

const PRECISIONS: Array<[RegExp, string]> = [
  [/\b(?:int8[-\s]?qdq|qdq)\b/i, 'int8-qdq'],
  [/\b(?:int8|8[-\s]?bit|quanti[sz]ed|quanti[sz]ation|quant)\b/i, 'int8'],
  [/\b(?:fp32|float32|full precision)\b/i, 'fp32'],
  [/\b(?:fp16|float16|half precision)\b/i, 'fp16'],
];

const SORTS: Array<[RegExp, SortIntent]> = [
  [
    /\b(?:most accurate|best accuracy|highest accuracy|most precise|top accuracy|state of the art|sota)\b/i,
    'accuracy',
  ],
  [/\b(?:smallest|lightest|fastest|quickest|least memory|minimal size)\b/i, 'size'],
];

export function parseConstraints(raw: string): TextConstraints {
  let text = ` ${raw} `;
  const labels: string[] = [];
  const result: TextConstraints = { text: raw, labels };

  const size = SIZE_LIMIT.exec(text);
  if (size) {
    result.maxBytes = Math.round(Number(size[1]) * UNIT_BYTES[size[2].toLowerCase()]);
    labels.push(`maxBytes:${result.maxBytes}`);
    text = text.replace(size[0], ' ');
  }
  for (const [pattern, precision] of PRECISIONS) {
    const match = pattern.exec(text);
    if (!match) continue;
    result.precision = precision;
    labels.push(`precision:${precision}`);
    text = text.replace(new RegExp(pattern.source, 'gi'), ' ');
    break;
  }
  for (const [pattern, sort] of SORTS) {
    if (!pattern.test(text)) continue;
    result.sort = sort;
    labels.push(`sort:${sort}`);
    text = text.replace(pattern, ' ');
    break;
  }
  result.text = text.replace(/\s+/g, ' ').trim();
  return result;
}

/** Does a model's precision satisfy the asked one? Both quantized formats are int8. */
export function precisionMatches(asked: string, actual: string): boolean {
  if (asked === 'int8') return actual === 'int8' || actual === 'int8-qdq';
  return asked === actual;
}
