import canonicalize from 'canonicalize';
import { TypedDataEncoder, verifyTypedData, type Signer, type TypedDataField } from 'ethers';

import type { HubManifest } from './manifest-types';

export { DERIVATIONS, type Derivation, type HubManifest } from './manifest-types';
export {
  validateManifest,
  MANIFEST_LIMITS,
  type ManifestProblem,
  type ManifestValidation,
} from './manifest-validation';

/** No chainId: a manifest is a statement about bytes, valid on any chain and off chain. */
export const MANIFEST_DOMAIN = { name: 'Twinproof Hub', version: '1' } as const;

/**
 * EIP-712 types. Arrays and objects travel as RFC 8785 canonical JSON strings: EIP-712 has no map type and nested
 * tensor shapes would need a struct per level, while a canonical string is exact and any wallet can show it.
 */
export const MANIFEST_TYPES: Record<string, TypedDataField[]> = {
  HubManifest: [
    { name: 'slug', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'version', type: 'uint256' },
    { name: 'task', type: 'string' },
    { name: 'domain', type: 'string' },
    { name: 'description', type: 'string' },
    { name: 'license', type: 'string' },
    { name: 'datasets', type: 'string' },
    { name: 'metrics', type: 'string' },
    { name: 'inputs', type: 'string' },
    { name: 'outputs', type: 'string' },
    { name: 'precision', type: 'string' },
    { name: 'bytes', type: 'uint256' },
    { name: 'sha256', type: 'string' },
    { name: 'derivedFrom', type: 'string' },
    { name: 'derivation', type: 'string' },
    { name: 'tags', type: 'string' },
    { name: 'familyId', type: 'string' },
    { name: 'publisher', type: 'address' },
  ],
};

export type EncodedManifest = Omit<HubManifest, 'datasets' | 'metrics' | 'inputs' | 'outputs' | 'tags'> & {
  datasets: string;
  metrics: string;
  inputs: string;
  outputs: string;
  tags: string;
};

function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('manifest field cannot be canonicalised');
  return text;
}

/**
 * The exact message a publisher signs: `verifyTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(m),
 * signature)` recovers the publisher with ethers alone.
 */
export function encodeManifestForSigning(m: HubManifest): EncodedManifest {
  return {
    slug: m.slug,
    name: m.name,
    version: m.version,
    task: m.task,
    domain: m.domain,
    description: m.description,
    license: m.license,
    datasets: canonicalJson(m.datasets),
    metrics: canonicalJson(m.metrics),
    inputs: canonicalJson(m.inputs),
    outputs: canonicalJson(m.outputs),
    precision: m.precision,
    bytes: m.bytes,
    sha256: m.sha256,
    derivedFrom: m.derivedFrom,
    derivation: m.derivation,
    tags: canonicalJson(m.tags),
    familyId: m.familyId,
    publisher: m.publisher,
  };
}

/** 0x-hex EIP-712 digest; unique per manifest, so it also names a version. */
export function manifestDigest(m: HubManifest): string {
  return TypedDataEncoder.hash(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(m));
}

export function signManifest(wallet: Pick<Signer, 'signTypedData'>, m: HubManifest): Promise<string> {
  return wallet.signTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(m));
}

/** The checksummed address that signed this manifest, or null for a malformed signature or manifest. */
export function recoverManifestSigner(m: HubManifest, signature: string): string | null {
  try {
    return verifyTypedData(MANIFEST_DOMAIN, MANIFEST_TYPES, encodeManifestForSigning(m), signature);
  } catch {
    return null;
  }
}
