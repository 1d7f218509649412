import type { Logger } from 'pino';

export type GatewayLookup =
  | { kind: 'found'; url: URL }
  | { kind: 'unknown' }
  /** The api's list has never been read: no answer about any node yet. */
  | { kind: 'unavailable' };

export interface GatewayDirectoryOptions {
  apiUrl: string;
  logger: Logger;
  /** How often the list is read again in the background (default 30 s). */
  refreshMs?: number;
  /** An unknown node id reads the list again at most this often (default 5 s): unknown ids cannot hammer the api. */
  missRefreshMs?: number;
  /** How long one read of the list may take (default 10 s). */
  fetchTimeoutMs?: number;
  now?: () => number;
}

// A list larger than this is not a directory of gateways; refusing it bounds what the relay holds.
const MAX_ENTRIES = 10_000;
const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Node id → gateway URL, from the api's public `GET /v1/privacy/gateways`, kept in memory. A failed read keeps the
 * last good list: a relay should go on forwarding to known gateways while the api is briefly away.
 */
export class GatewayDirectory {
  private gateways: Map<string, URL> | undefined;
  private inFlight: Promise<void> | undefined;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshMs: number;
  private readonly missRefreshMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: GatewayDirectoryOptions) {
    this.refreshMs = options.refreshMs ?? 30_000;
    this.missRefreshMs = options.missRefreshMs ?? 5_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Reads the list once (a failure is logged, not thrown: the relay starts while the api is down) and keeps it fresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async lookup(nodeId: string): Promise<GatewayLookup> {
    const known = this.gateways?.get(nodeId);
    if (known) return { kind: 'found', url: known };
    if (this.inFlight) await this.inFlight;
    else if (this.now() - this.lastReadAt >= this.missRefreshMs) await this.refresh();
    if (!this.gateways) return { kind: 'unavailable' };
    const url = this.gateways.get(nodeId);
    return url ? { kind: 'found', url } : { kind: 'unknown' };
  }

  /** One read at a time; callers during a read share it. */
  refresh(): Promise<void> {
    this.inFlight ??= this.read().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async read(): Promise<void> {
    this.lastReadAt = this.now();
    const source = `${this.options.apiUrl}/v1/privacy/gateways`;
    try {
      const response = await fetch(source, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.gateways = parseGateways(await response.json(), this.options.apiUrl);
    } catch (error) {
      // Names neither a node nor a client: only that the list could not be read.
      this.options.logger.warn(
        `Could not read the gateway list from ${source} (${error instanceof Error ? error.message : String(error)}); ` +
          (this.gateways
            ? `keeping the last one (${this.gateways.size} gateways)`
            : 'no gateway is known yet'),
      );
    }
  }
}

/**
 * The api's `{ data: [{ nodeId, gatewayUrl, ... }] }`. A relative gatewayUrl (the api's in-process node,
 * "/v1/privacy/ohttp") is under the api's URL, path prefix included; entries that are not plain http(s) URLs are
 * skipped.
 */
export function parseGateways(body: unknown, apiUrl: string): Map<string, URL> {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error('the answer has no data array');
  if (data.length > MAX_ENTRIES) throw new Error(`the answer lists over ${MAX_ENTRIES} gateways`);
  const gateways = new Map<string, URL>();
  for (const entry of data as unknown[]) {
    const { nodeId, gatewayUrl } = (entry ?? {}) as { nodeId?: unknown; gatewayUrl?: unknown };
    if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId) || typeof gatewayUrl !== 'string') continue;
    const url = resolveGatewayUrl(gatewayUrl, apiUrl);
    if (url) gateways.set(nodeId, url);
  }
  return gateways;
}

/**
 * A gateway is an origin and a path. A query, a fragment or credentials have no place in one: they would only let a
 * node operator aim the relay's POST at something that is not a gateway (`http://host/admin/exec?x=` + "/ohttp").
 */
export function resolveGatewayUrl(gatewayUrl: string, apiUrl: string): URL | undefined {
  if (/[?#]/.test(gatewayUrl)) return undefined;
  try {
    const base = apiUrl.replace(/\/+$/, '');
    const url = gatewayUrl.startsWith('/') ? new URL(base + gatewayUrl) : new URL(gatewayUrl, `${base}/`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.search === '' && url.hash === '' && url.username === '' && url.password === ''
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}
