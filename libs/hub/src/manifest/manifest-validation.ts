import canonicalize from 'canonicalize';
import { getAddress, isAddress } from 'ethers';
import { DERIVATIONS, type HubManifest } from './manifest-types';

export interface ManifestProblem {
  field: string;
  problems: string[];
}

export type ManifestValidation =
  { ok: true; manifest: HubManifest } | { ok: false; problems: ManifestProblem[] };

export const MANIFEST_LIMITS = {
  slug: /^[a-z0-9](?:[a-z0-9.-]{0,98}[a-z0-9])$/,
  sha256: /^[0-9a-f]{64}$/,
  nameChars: 200,
  shortChars: 100,
  descriptionChars: 10_000,
  listItems: 100,
  listItemChars: 200,
  metricNameChars: 100,
  /** Inputs and outputs together, as canonical JSON: enough for tensor shapes, not a place to store data. */
  ioJsonChars: 64 * 1024,
  /** PostgreSQL's integer, which holds version numbers. */
  maxVersion: 2 ** 31 - 1,
} as const;

type Check = (value: unknown) => string[];

function text(min: number, max: number): Check {
  return (v) => {
    if (typeof v !== 'string') return ['must be a string'];
    if (v.length < min) return [min === 1 ? 'must not be empty' : `must be at least ${min} characters`];
    if (v.length > max) return [`must be at most ${max} characters`];
    return [];
  };
}

function positiveInteger(max: number): Check {
  return (v) =>
    typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max
      ? [`must be an integer from 1 to ${max}`]
      : [];
}

function stringList(v: unknown): string[] {
  if (!Array.isArray(v)) return ['must be an array of strings'];
  const problems: string[] = [];
  if (v.length > MANIFEST_LIMITS.listItems)
    problems.push(`must have at most ${MANIFEST_LIMITS.listItems} items`);
  if (v.some((item) => typeof item !== 'string' || item.length === 0))
    problems.push('items must be non-empty strings');
  else if (v.some((item: string) => item.length > MANIFEST_LIMITS.listItemChars)) {
    problems.push(`items must be at most ${MANIFEST_LIMITS.listItemChars} characters`);
  }
  return problems;
}

function metrics(v: unknown): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return ['must be an object of metric name to number'];
  const entries = Object.entries(v);
  const problems: string[] = [];
  if (entries.length > MANIFEST_LIMITS.listItems)
    problems.push(`must have at most ${MANIFEST_LIMITS.listItems} metrics`);
  if (entries.some(([name]) => name.length === 0 || name.length > MANIFEST_LIMITS.metricNameChars)) {
    problems.push(`metric names must be 1 to ${MANIFEST_LIMITS.metricNameChars} characters`);
  }
  if (entries.some(([, value]) => typeof value !== 'number' || !Number.isFinite(value))) {
    problems.push('metric values must be finite numbers');
  }
  return problems;
}

function jsonList(v: unknown): string[] {
  if (!Array.isArray(v)) return ['must be an array'];
  if (v.length > MANIFEST_LIMITS.listItems) return [`must have at most ${MANIFEST_LIMITS.listItems} items`];
  let json: string | undefined;
  try {
    json = canonicalize(v);
  } catch {
    json = undefined;
  }
  if (json === undefined) return ['must be plain JSON'];
  if (json.length > MANIFEST_LIMITS.ioJsonChars)
    return [`must be at most ${MANIFEST_LIMITS.ioJsonChars} characters as JSON`];
  return [];
}

const CHECKS: Record<keyof HubManifest, Check> = {
  slug: (v) =>
    typeof v === 'string' && MANIFEST_LIMITS.slug.test(v)
      ? []
      : [
          "must be 2 to 100 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit",
        ],
  name: text(1, MANIFEST_LIMITS.nameChars),
  version: positiveInteger(MANIFEST_LIMITS.maxVersion),
  task: text(1, MANIFEST_LIMITS.shortChars),
  domain: text(1, MANIFEST_LIMITS.shortChars),
  description: text(0, MANIFEST_LIMITS.descriptionChars),
  license: text(1, MANIFEST_LIMITS.shortChars),
  datasets: stringList,
  metrics,
  inputs: jsonList,
  outputs: jsonList,
  precision: text(1, MANIFEST_LIMITS.shortChars),
  bytes: positiveInteger(Number.MAX_SAFE_INTEGER),
  sha256: (v) =>
    typeof v === 'string' && MANIFEST_LIMITS.sha256.test(v)
      ? []
      : ['must be 64 lowercase hex characters (no 0x)'],
  derivedFrom: (v) =>
    v === '' || (typeof v === 'string' && MANIFEST_LIMITS.slug.test(v))
      ? []
      : ["must be '' or a model's slug"],
  derivation: (v) =>
    (DERIVATIONS as readonly unknown[]).includes(v)
      ? []
      : [`must be one of ${DERIVATIONS.map((d) => `'${d}'`).join(', ')}`],
  tags: stringList,
  familyId: text(0, MANIFEST_LIMITS.nameChars),
  publisher: (v) => (typeof v === 'string' && isAddress(v) ? [] : ['must be a 0x address']),
};

/**
 * Checks every field and reports all problems at once, per field. The returned manifest carries only the known
 * fields, with the publisher checksummed (EIP-712 encodes an address the same in any case, so the digest is unchanged).
 */
export function validateManifest(input: unknown): ManifestValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: 'manifest', problems: ['must be an object'] }] };
  }
  const record = input as Record<string, unknown>;
  const problems: ManifestProblem[] = [];
  for (const [field, check] of Object.entries(CHECKS)) {
    const found = check(record[field]);
    if (found.length > 0) problems.push({ field, problems: found });
  }
  const unknown = Object.keys(record).filter((key) => !(key in CHECKS));
  if (unknown.length > 0)
    problems.push({ field: 'manifest', problems: [`unknown fields: ${unknown.join(', ')}`] });
  const derivedFrom = record.derivedFrom;
  const derivation = record.derivation;
  if (problems.length === 0 && (derivedFrom === '') !== (derivation === '')) {
    problems.push({
      field: 'derivation',
      problems: ["must be set exactly when derivedFrom is (both or neither '')"],
    });
  }
  if (problems.length === 0 && derivedFrom === record.slug) {
    problems.push({ field: 'derivedFrom', problems: ['must not be the model itself'] });
  }
  if (problems.length > 0) return { ok: false, problems };
  const manifest = Object.fromEntries(
    Object.keys(CHECKS).map((k) => [k, record[k]]),
  ) as unknown as HubManifest;
  return { ok: true, manifest: { ...manifest, publisher: getAddress(manifest.publisher) } };
}
