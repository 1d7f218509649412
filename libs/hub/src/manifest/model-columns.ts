import type { HubManifest } from './manifest';

/**
 * A model's listed and searchable columns, which are its newest version's manifest fields (empty lineage and family
 * stored as null). One mapping for publishing and seeding alike.
 */
export function modelColumns(m: HubManifest) {
  return {
    name: m.name,
    task: m.task,
    domain: m.domain,
    license: m.license,
    precision: m.precision,
    description: m.description,
    tags: m.tags,
    datasets: m.datasets,
    metrics: m.metrics,
    bytes: BigInt(m.bytes),
    sha256: m.sha256,
    familyId: m.familyId === '' ? null : m.familyId,
    derivedFrom: m.derivedFrom === '' ? null : m.derivedFrom,
    derivation: m.derivation === '' ? null : m.derivation,
  };
}
