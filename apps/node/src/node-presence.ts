import { Inject, Injectable, Logger } from '@nestjs/common';
import { sameAddress, signHeartbeat, signRegistration, type NodeHeartbeatStatus } from '@app/node-protocol';
import { TsmReportError } from '@app/attestation';
import { isAddress } from 'ethers';
import { ApiCallError, ApiClient } from './api.client';
import { HubPins } from './hub-pins';
import { NodeDrain } from './node-drain';
import { NodeEvidence } from './node-evidence';
import { NodeGateway } from './node-gateway';
import { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;
const UNPROBED_BEATS_BEFORE_WARNING = 3;

/** Thrown for an answer retrying cannot change: a bad operator key, another operator's address, a revoked key. */
export class RegistrationRefusedError extends Error {}

/** Registration with the api, then a heartbeat every NODE_HEARTBEAT_MS until the process stops. */
@Injectable()
export class NodePresence {
  private readonly logger = new Logger(NodePresence.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastBeatFailed = false;
  private url?: string;
  /** Heartbeats in a row whose answer said the api's liveness probe has not reached this node. */
  private unprobedBeats = 0;

  constructor(
    @Inject(NODE_OPTIONS) private readonly options: NodeOptions,
    private readonly api: ApiClient,
    private readonly identity: NodeIdentity,
    private readonly drain: NodeDrain,
    private readonly evidence: NodeEvidence,
    private readonly gateway: NodeGateway,
    private readonly pins: HubPins,
  ) {}

  /** Registers (retrying while the api is unreachable or failing) and starts heartbeating. */
  async start(url: string): Promise<void> {
    this.url = url;
    await this.registerUntilDone();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One heartbeat now (the drain calls it so the router stops choosing this node at once). */
  async beat(): Promise<void> {
    const registration = this.identity.registration;
    if (!registration) return;
    const status: NodeHeartbeatStatus = this.drain.draining ? 'draining' : 'active';
    const fields = {
      nodeId: registration.nodeId,
      at: Date.now(),
      status,
      outstanding: this.drain.outstanding,
      pins: this.pins.list(),
    };
    try {
      const signature = await signHeartbeat(this.identity.wallet, fields);
      const answer = await this.api.heartbeat(registration.nodeId, {
        at: fields.at,
        status,
        outstanding: fields.outstanding,
        signature,
        // Signed on their own by the node key (the heartbeat's signature does not cover them); rotated when due.
        ohttpKeys: await this.gateway.published(),
        // Covered by the heartbeat's signature (heartbeatMessage), so no one between here and the api can add pins.
        pins: fields.pins,
      });
      if (this.lastBeatFailed) this.logger.log('Heartbeats reach the api again');
      this.lastBeatFailed = false;
      this.noteRevoked(answer.status === 'revoked');
      this.noteProbed(answer.probed, answer.status);
      this.noteRouter(answer.routerAddress);
    } catch (error) {
      if (error instanceof ApiCallError && error.status === 403) return this.noteRevoked(true);
      if (error instanceof ApiCallError && error.status === 404 && !this.drain.draining) {
        // The api forgot this node (a fresh database): registering again is the way back.
        this.logger.warn(`The api does not know node ${registration.nodeId}; registering again`);
        await this.registerOnce().catch((again: unknown) => this.logger.warn(String(again)));
        return;
      }
      if (!this.lastBeatFailed) this.logger.warn(`Heartbeat failed: ${String(error)}`);
      this.lastBeatFailed = true;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.beat().finally(() => this.schedule());
    }, this.options.heartbeatMs);
  }

  // The first probe follows registration within about a second: only a node unprobed for 3 heartbeats is told.
  private noteProbed(probed: boolean | undefined, status: string): void {
    if (probed !== false || status !== 'active') {
      if (this.unprobedBeats >= UNPROBED_BEATS_BEFORE_WARNING)
        this.logger.log('The api reaches this node again: it is routed to');
      this.unprobedBeats = 0;
      return;
    }
    this.unprobedBeats += 1;
    if (this.unprobedBeats === UNPROBED_BEATS_BEFORE_WARNING)
      this.logger.warn(
        `The api's liveness probe has not reached this node at ${this.url ?? 'its URL'}, so it gets no traffic. ` +
          'Make that URL reachable from the api (--public-url, firewall, port): see docs/network.md, Liveness probes.',
      );
  }

  private noteRevoked(revoked: boolean): void {
    if (revoked && !this.identity.revoked)
      this.logger.error(
        'The api says this node is revoked: it gets no more traffic. Register a new key to return.',
      );
    this.identity.revoked = revoked;
  }

  // The api's router key can change (a new ROUTER_PRIVATE_KEY): calls signed by the new one must not be refused.
  private noteRouter(routerAddress: string | undefined): void {
    const registration = this.identity.registration;
    if (!registration || !routerAddress || !isAddress(routerAddress)) return;
    if (sameAddress(routerAddress, registration.routerAddress)) return;
    this.logger.log(`The api's router key is now ${routerAddress}`);
    this.identity.register({ ...registration, routerAddress });
  }

  private async registerUntilDone(): Promise<void> {
    for (let wait = RETRY_FIRST_MS; !this.stopped; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      try {
        return await this.registerOnce();
      } catch (error) {
        // No quote (not a TDX guest, another writer): retrying cannot help, and the operator must see why.
        if (error instanceof TsmReportError) throw error;
        if (
          error instanceof ApiCallError &&
          error.status >= 400 &&
          error.status < 500 &&
          error.status !== 429
        )
          throw new RegistrationRefusedError(`The api refused this node: ${error.message}`);
        this.logger.warn(`Registration failed (${String(error)}); trying again in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private async registerOnce(): Promise<void> {
    const { wallet } = this.identity;
    const url = this.url ?? '';
    const evidence = await this.evidence.forRegistration();
    const operator = await this.api.me();
    const issuedAt = Date.now();
    const signature = await signRegistration(wallet, {
      operatorUserId: operator.id,
      address: wallet.address,
      url,
      issuedAt,
    });
    const answer = await this.api.register({
      address: wallet.address,
      name: this.options.name,
      url,
      modelIds: this.options.modelIds,
      region: this.options.region,
      provider: this.options.provider,
      issuedAt,
      signature,
      ...(evidence ? { evidence } : {}),
    });
    this.identity.register({ nodeId: answer.id, routerAddress: answer.routerAddress });
    this.identity.revoked = false;
    this.logger.log(
      `Node ${this.options.name} ${wallet.address} registered as ${answer.id} (${evidence ? 'TDX quote' : 'dev attestation'}) for ${operator.handle} at ${url}, serving ${this.options.modelIds.join(', ')}`,
    );
  }
}
