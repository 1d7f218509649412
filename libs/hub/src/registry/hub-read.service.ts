import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { isHealthy } from '@app/network/router/node-health';
import {
  HubLineageEntry,
  HubLineageResponse,
  HubLocationsResponse,
  HubModelDetail,
  HubModelsPageResponse,
  HubModelSummary,
  HubVersionResponse,
  HubVersionsResponse,
} from './dto/hub-model.response';
import { SearchHubModelsQuery } from './dto/search-hub-models.query';
import { decodeOffsetCursor, encodeOffsetCursor, MAX_SEARCH_OFFSET } from './hub-cursor';
import { HubModelRow, HubModelsRepository, HubVersionRow } from './hub-models.repository';
import { HubPins, HubSearchService } from './hub-search.service';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_LINEAGE_DEPTH = 32;
const MAX_DERIVED = 200;
const MAX_LOCATIONS = 500;

export const HIDDEN_NOTE =
  'Hidden from search by the hub’s operator. The signed manifest still verifies, and any node pinning the ' +
  'artifact still serves bytes that match its SHA-256: see /v1/hub/artifacts/<sha256>/locations.';

/** The hub's public reads (docs/hub.md, Model hub). */
@Injectable()
export class HubReadService {
  constructor(
    private readonly config: AppConfig,
    private readonly models: HubModelsRepository,
    private readonly searchIndex: HubSearchService,
  ) {}

  async search(query: SearchHubModelsQuery): Promise<HubModelsPageResponse> {
    const offset = query.cursor === undefined ? 0 : decodeOffsetCursor(query.cursor);
    const page = await this.searchIndex.search({
      q: query.q,
      task: query.task,
      domain: query.domain,
      license: query.license,
      precision: query.precision,
      maxBytes: query.maxBytes,
      dataset: query.dataset,
      minMetric: query.minMetric === undefined ? undefined : parseMinMetric(query.minMetric),
      minOperators: query.minOperators,
      limit: query.limit,
      offset,
    });
    const next = offset + query.limit;
    return {
      data: page.models.map(({ row, pins }) => summaryOf(row, pins)),
      nextCursor: next < page.total && next <= MAX_SEARCH_OFFSET ? encodeOffsetCursor(next) : null,
      understood: page.understood,
      total: page.total,
    };
  }

  /** Hidden models answer too: a takedown removes a model from search, not from the record. */
  async get(slug: string): Promise<HubModelDetail> {
    const row = await this.found(slug);
    const [latest, pins] = await Promise.all([
      this.models.latestVersion(row.id),
      this.searchIndex.pinsFor(row.sha256),
    ]);
    const hidden = row.hiddenAt !== null;
    return {
      ...summaryOf(row, pins),
      description: row.description,
      tags: row.tags,
      datasets: row.datasets,
      metrics: row.metrics as Record<string, unknown>,
      familyId: row.familyId,
      hidden,
      ...(hidden ? { note: HIDDEN_NOTE } : {}),
      latest: latest ? versionOf(latest) : null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  async versions(slug: string): Promise<HubVersionsResponse> {
    const row = await this.found(slug);
    return { slug, data: (await this.models.versions(row.id)).map(versionOf) };
  }

  async lineage(slug: string): Promise<HubLineageResponse> {
    const row = await this.found(slug);
    const ancestors: HubLineageEntry[] = [];
    const seen = new Set([row.slug]);
    let parent = row.derivedFrom;
    let missingAncestor: string | undefined;
    // A publisher names any slug as its base: a cycle or a long chain must not loop or run away.
    while (parent && !seen.has(parent) && ancestors.length < MAX_LINEAGE_DEPTH) {
      seen.add(parent);
      const found = await this.models.findBySlug(parent);
      if (!found) {
        missingAncestor = parent;
        break;
      }
      ancestors.push(lineageEntryOf(found));
      parent = found.derivedFrom;
    }
    const derived = (await this.models.derivedFrom(row.slug, MAX_DERIVED)).map(lineageEntryOf);
    return { slug: row.slug, ancestors, derived, ...(missingAncestor ? { missingAncestor } : {}) };
  }

  async locations(sha256: string): Promise<HubLocationsResponse> {
    if (!SHA256_HEX.test(sha256))
      throw new ValidationError('sha256 must be 64 lower-case hex characters', {
        fields: [{ field: 'sha256', problems: ['must be 64 lower-case hex characters'] }],
      });
    const now = Date.now();
    const nodes = await this.models.pinningNodes(sha256, MAX_LOCATIONS);
    return {
      sha256,
      data: nodes
        .filter((node) => isHealthy(node, this.config.network.heartbeatMs, now))
        .map((node) => ({
          nodeId: node.id,
          url: node.url,
          operatorId: node.operatorId,
          artifactUrl: `${node.url.replace(/\/+$/, '')}/hub/artifacts/${sha256}`,
        })),
    };
  }

  private async found(slug: string): Promise<HubModelRow> {
    const row = await this.models.findBySlug(slug);
    if (!row) throw new NotFoundError('Hub model', slug);
    return row;
  }
}

function parseMinMetric(raw: string): { name: string; value: number } {
  const [name, value] = raw.split(':');
  return { name, value: Number(value) };
}

function summaryOf(row: HubModelRow, pins: HubPins): HubModelSummary {
  return {
    slug: row.slug,
    name: row.name,
    task: row.task,
    domain: row.domain,
    license: row.license,
    precision: row.precision,
    sha256: row.sha256,
    bytes: Number(row.bytes),
    publisher: row.publisher.handle,
    pins: { nodes: pins.nodes, operators: pins.operators },
    derivedFrom: row.derivedFrom,
    derivation: row.derivation,
  };
}

function versionOf(version: HubVersionRow): HubVersionResponse {
  return {
    version: version.version,
    manifest: version.manifest,
    manifestDigest: version.manifestDigest,
    signature: version.signature,
    signer: version.signer,
    sha256: version.sha256,
    bytes: Number(version.bytes),
    artifactStored: version.artifactStored,
    createdAt: version.createdAt,
    anchor: anchorOf(version),
  };
}

/** Where the manifest digest is anchored on chain, once its batch is (docs/hub.md); null before. */
function anchorOf(version: HubVersionRow): HubVersionResponse['anchor'] {
  const proof = version.merkleProof as { root?: string; leafIndex?: number; proof?: string[] } | null;
  const batch = version.batch;
  if (!proof?.root || !batch || batch.status !== 'anchored' || batch.txHash === null) return null;
  return {
    root: proof.root,
    leafIndex: proof.leafIndex ?? 0,
    proof: proof.proof ?? [],
    chainId: batch.chainId,
    contract: batch.contract,
    txHash: batch.txHash,
    blockNumber: batch.blockNumber,
  };
}

function lineageEntryOf(row: HubModelRow): HubLineageEntry {
  return {
    slug: row.slug,
    name: row.name,
    precision: row.precision,
    derivedFrom: row.derivedFrom,
    derivation: row.derivation,
    hidden: row.hiddenAt !== null,
  };
}
