import type { AttestationPolicy } from '@app/attestation';
import type { ChainReader, ProofBundle } from '@app/receipts';
import { decodeResponse } from '@app/privacy/ohttp';
import { apiJson } from './api-json';
import { PrivateChatError } from './private-chat.errors';
import { apiErrorFrom, type ChatEvent, type ChatRequest, streamChat } from './chat-stream';
import type { GatewayEntry, PrivacyDirectory, RelayEntry } from './directory.types';
import { checkGateway } from './gateway-check';
import { chooseRoute, type PrivateRoute, type RouteOptions } from './route';
import { exchangeSealed, type FetchLike } from './sealed-exchange';
import { fetchIssuerKey, type IssuerKey, obtainTokens } from './tokens';
import { type ReplyVerification, verifyReply } from './verify-reply';
import { type InferenceStatus, type ProofUpdate, type WatchOptions, watchStatus } from './watch-proof';

/** `GET /v1/chain`: public, the same for everyone. */
export interface ChainInfo {
  chainId: number;
  rpcUrl: string;
  anchorContract?: string | null;
}

export interface PrivateChatClientOptions {
  /** The api: its directory, the token issuer; also the authority of inner requests. */
  apiUrl: string;
  /** The relay every private request goes through. */
  relayUrl: string;
  /** Which attestations make a gateway (and a reply's signer) trusted. Its `now` is replaced by `now()`. */
  attestationPolicy: AttestationPolicy;
  fetch?: FetchLike;
  now?: () => Date;
}

/**
 * A client of private chat (docs/privacy.md): learns the gateways and relays, checks each gateway's key against its
 * node's attestation, obtains Privacy Pass tokens, sends turns sealed to the gateway through a relay of another
 * operator, and verifies each reply's receipt before anyone shows it.
 */
export class PrivateChatClient {
  readonly apiUrl: string;
  readonly relayUrl: string;
  private readonly fetcher: FetchLike;
  private readonly now: () => Date;

  constructor(private readonly options: PrivateChatClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.relayUrl = options.relayUrl;
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => new Date());
  }

  /** The published gateways, each verified here (the refused ones with why), and the relay registry. */
  async directory(): Promise<PrivacyDirectory> {
    const [gateways, relays] = await Promise.all([
      apiJson<{ data: GatewayEntry[] }>(this.fetcher, this.apiUrl, '/v1/privacy/gateways'),
      apiJson<{ data: RelayEntry[] }>(this.fetcher, this.apiUrl, '/v1/privacy/relays'),
    ]);
    const now = this.now();
    const checks = await Promise.all(
      (gateways.data ?? []).map((entry) => checkGateway(entry, this.policy(), now)),
    );
    return {
      gateways: checks.flatMap((check) => (check.ok ? [check.gateway] : [])),
      refused: checks.flatMap((check) => (check.ok ? [] : [check.refused])),
      relays: relays.data ?? [],
    };
  }

  /** A verified gateway and this client's relay, refused when one operator runs both (unless allowed). */
  async route(options: Omit<RouteOptions, 'relayUrl'> = {}): Promise<PrivateRoute> {
    return chooseRoute(await this.directory(), { ...options, relayUrl: this.relayUrl });
  }

  /** Whether the route's gateway keys are still valid: after their expiry, choose the route again. */
  isFresh(route: PrivateRoute): boolean {
    return route.gateway.keysExpireAt.getTime() > this.now().getTime();
  }

  /** The issuer's current token key: which tokens a wallet holds are still worth sending. */
  issuerKey(): Promise<IssuerKey> {
    return fetchIssuerKey(this.fetcher, this.apiUrl);
  }

  obtainTokens(apiKey: string, count: number, issuer?: IssuerKey): Promise<Uint8Array[]> {
    return obtainTokens(this.fetcher, this.apiUrl, apiKey, count, issuer);
  }

  chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
    return streamChat(this.fetcher, this.apiUrl, request);
  }

  bundle(route: PrivateRoute, inferenceId: string, sessionKey: string): Promise<ProofBundle> {
    return this.getSealed<ProofBundle>(
      route,
      `/v1/inferences/${encodeURIComponent(inferenceId)}/bundle`,
      sessionKey,
    );
  }

  inference(route: PrivateRoute, inferenceId: string, sessionKey: string): Promise<InferenceStatus> {
    return this.getSealed<InferenceStatus>(
      route,
      `/v1/inferences/${encodeURIComponent(inferenceId)}`,
      sessionKey,
    );
  }

  /** The chain the api anchors on (its public RPC URL), read through the relay: asked for by no one in particular. */
  chainInfo(route: PrivateRoute): Promise<ChainInfo> {
    return this.getSealed<ChainInfo>(route, '/v1/chain');
  }

  verifyReply(
    route: PrivateRoute,
    bundle: ProofBundle,
    content: string,
    options: { expectedInferenceId?: string; chain?: ChainReader } = {},
  ): Promise<ReplyVerification> {
    return verifyReply(bundle, content, {
      ...options,
      attestationPolicy: this.policy(),
      gateway: route.gateway,
    });
  }

  watchProof(
    route: PrivateRoute,
    inferenceId: string,
    sessionKey: string,
    options: WatchOptions = {},
  ): AsyncGenerator<ProofUpdate> {
    return watchStatus(() => this.inference(route, inferenceId, sessionKey), options);
  }

  private policy(): AttestationPolicy {
    return { ...this.options.attestationPolicy, now: this.now() };
  }

  /** A read through the relay (RFC 9458, not chunked): the api sees the gateway, the relay sees nothing of it. */
  private async getSealed<T>(route: PrivateRoute, path: string, sessionKey?: string): Promise<T> {
    const request = new Request(`${this.apiUrl}${path}`, {
      headers: {
        ...(sessionKey ? { authorization: `Bearer ${sessionKey}` } : {}),
        accept: 'application/json',
      },
    });
    const inner = decodeResponse(await exchangeSealed(this.fetcher, route, request));
    const text = await inner.text();
    if (!inner.ok) throw apiErrorFrom(inner.status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new PrivateChatError(
        'RESPONSE_INVALID',
        `${path} answered with no JSON body.`,
        'api',
        inner.status,
      );
    }
  }
}
