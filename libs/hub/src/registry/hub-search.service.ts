import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { HubDocument, HubQuery, HubSearchIndex } from '@app/hub/search';
import { HubModelRow, HubModelsRepository, PinCount } from './hub-models.repository';

/** At most one refresh from PostgreSQL per this many ms, however many queries arrive. */
export const REFRESH_EVERY_MS = 1_000;
// Rows are re-read from a little before the watermark: a transaction that stamped updatedAt earlier but committed
// after the last read would otherwise be skipped for good.
const WATERMARK_OVERLAP_MS = 5_000;

export interface HubPins {
  nodes: number;
  operators: number;
}

export interface HubSearchPage {
  models: { row: HubModelRow; pins: HubPins }[];
  total: number;
  understood: { constraints: string[] };
}

const NO_PINS: HubPins = { nodes: 0, operators: 0 };

/**
 * The in-memory search index over the visible models (docs/hub.md): loaded at start, then brought up to date
 * from PostgreSQL by an updatedAt watermark when queried, at most once a second, so a model published or hidden
 * through any api process shows up within about a second. Pin counts (healthy nodes only) are re-read on the
 * same refresh, since a node's health changes without any model row changing.
 */
@Injectable()
export class HubSearchService implements OnApplicationBootstrap {
  private readonly logger = new Logger(HubSearchService.name);
  private readonly index = new HubSearchIndex();
  /** Visible models by slug, as last read. */
  private readonly visible = new Map<string, HubModelRow>();
  private readonly slugsBySha = new Map<string, Set<string>>();
  private pins = new Map<string, HubPins>();
  private watermark: Date | null = null;
  private refreshedAt = 0;
  private refreshing?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly models: HubModelsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.logger.log(`Hub search index loaded: ${this.index.size} models`);
  }

  async search(query: HubQuery): Promise<HubSearchPage> {
    await this.freshEnough();
    const result = this.index.search(query);
    return {
      models: result.hits.flatMap((hit) => {
        const row = this.visible.get(hit.id);
        return row ? [{ row, pins: this.pinsOf(row.sha256) }] : [];
      }),
      total: result.total,
      understood: result.understood,
    };
  }

  /** Healthy nodes and operators holding an artifact, as of the last refresh. */
  async pinsFor(sha256: string): Promise<HubPins> {
    await this.freshEnough();
    return this.pinsOf(sha256);
  }

  private pinsOf(sha256: string): HubPins {
    return this.pins.get(sha256) ?? NO_PINS;
  }

  /** Callers arriving during a refresh share it; a failed refresh leaves the last index serving and is retried. */
  private async freshEnough(): Promise<void> {
    if (Date.now() - this.refreshedAt < REFRESH_EVERY_MS) return;
    try {
      await this.refresh();
    } catch (error) {
      if (this.watermark === null) throw error;
      // Retried a second later, not by every query meanwhile: a database that is down must not be asked per search.
      this.refreshedAt = Date.now();
      this.logger.warn(`Hub search refresh failed, serving the last index: ${String(error)}`);
    }
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.readChanges().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readChanges(): Promise<void> {
    const startedAt = Date.now();
    const since = this.watermark && new Date(this.watermark.getTime() - WATERMARK_OVERLAP_MS);
    const [rows, counts] = await Promise.all([
      this.models.changedSince(since),
      this.models.pinCounts(this.config.network.heartbeatMs),
    ]);
    const pinsChanged = this.takePins(counts);
    for (const row of rows) {
      if (!this.watermark || row.updatedAt > this.watermark) this.watermark = row.updatedAt;
      const known = this.visible.get(row.slug);
      if (known && known.updatedAt.getTime() === row.updatedAt.getTime() && row.hiddenAt === null) continue;
      this.forget(row.slug);
      if (row.hiddenAt === null) this.remember(row);
    }
    for (const sha256 of pinsChanged)
      for (const slug of this.slugsBySha.get(sha256) ?? []) {
        const row = this.visible.get(slug);
        if (row) this.index.add(this.documentOf(row));
      }
    this.refreshedAt = startedAt;
  }

  /** Replaces the pin counts and says which artifacts' counts differ from before. */
  private takePins(counts: PinCount[]): Set<string> {
    const next = new Map(counts.map((c) => [c.sha256, { nodes: c.nodes, operators: c.operators }]));
    const changed = new Set<string>();
    for (const [sha256, pins] of next) {
      const before = this.pins.get(sha256);
      if (before?.nodes !== pins.nodes || before.operators !== pins.operators) changed.add(sha256);
    }
    for (const sha256 of this.pins.keys()) if (!next.has(sha256)) changed.add(sha256);
    this.pins = next;
    return changed;
  }

  private remember(row: HubModelRow): void {
    this.visible.set(row.slug, row);
    let slugs = this.slugsBySha.get(row.sha256);
    if (!slugs) this.slugsBySha.set(row.sha256, (slugs = new Set()));
    slugs.add(row.slug);
    this.index.add(this.documentOf(row));
  }

  private forget(slug: string): void {
    const row = this.visible.get(slug);
    if (!row) return;
    this.visible.delete(slug);
    const slugs = this.slugsBySha.get(row.sha256);
    slugs?.delete(slug);
    if (slugs?.size === 0) this.slugsBySha.delete(row.sha256);
    this.index.remove(slug);
  }

  private documentOf(row: HubModelRow): HubDocument {
    return {
      id: row.slug,
      name: row.name,
      familyId: row.familyId ?? undefined,
      task: row.task,
      domain: row.domain,
      tags: row.tags,
      precision: row.precision,
      description: row.description,
      datasets: row.datasets,
      metrics: numericMetrics(row.metrics),
      bytes: Number(row.bytes),
      license: row.license,
      publisher: row.publisher.handle,
      pins: this.pinsOf(row.sha256),
    };
  }
}

/** metrics is JSON a publisher signed: only finite numbers take part in thresholds and ranking. */
function numericMetrics(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
    ),
  );
}
