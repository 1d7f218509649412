import { decodeKeysetCursor, encodeKeysetCursor, KeysetPosition, keysetPositionOf } from '@app/common';
import { ListNodesQuery } from './dto/list-nodes.query';
import { Injectable } from '@nestjs/common';
import {
  type AttestationKind,
  DevAttestationAuthority,
  devMeasurement,
  verifyNodeBinding,
} from '@app/attestation';
import type { AuthUser } from '@app/auth';
import { AppConfig } from '@app/config';
import type { Prisma } from '@app/database';
import { HEARTBEAT_FRESH_MS, verifyHeartbeat, verifyRegistration } from '@app/node-protocol';
import { RateLimiter } from '@app/rate-limit';
import { getAddress } from 'ethers';
import type { NodeHeartbeatDto } from './dto/node-heartbeat.dto';
import type { NodeHeartbeatResponse, NodeResponse, RegisteredNodeResponse } from './dto/node.response';
import type { RegisterNodeDto } from './dto/register-node.dto';
import { reportedStatus } from './dto/reported-status';
import {
  BadHeartbeatSignatureError,
  InvalidGatewayKeysError,
  InvalidRegistrationProofError,
  NodeAddressTakenError,
  NodeNotFoundError,
  NodeRevokedError,
  NotNodeOperatorError,
  ReplayedHeartbeatError,
  StaleHeartbeatError,
} from './nodes.errors';
import { NodesRepository } from './nodes.repository';
import { checkGatewayKeys } from '@app/privacy/gateway/key-binding';
import { AttestationPolicyProvider } from './attestation-policy';
import { EvidenceDowngradeError, NodeEvidenceRefusedError } from './node-evidence.error';
import { RouterIdentity } from './router-identity';
import {
  NodeSuspectError,
  OperatorSuspectError,
  SuspectNodeRevokeError,
} from './spot-check/node-suspect.error';
import { isHealthy } from './router/node-health';
import { HubPinRecorder } from './hub-pin-recorder';

// The api cannot measure a remote node: its dev attestation vouches for the key alone, and says which build it names.
const REMOTE_NODE_MEASUREMENT = devMeasurement('twinproof/node/v1');
const DEV_ATTESTATION_VALIDITY_MS = 365 * 24 * 3_600_000;

/** What a registration stores: the evidence as the router will verify it again (attested-nodes.ts). */
interface Attested {
  kind: AttestationKind;
  attestation: Prisma.InputJsonObject;
  measurement: string | null;
}

/** Operators register their nodes, nodes heartbeat with their key, operators and admins revoke (docs/network.md). */
@Injectable()
export class NodesService {
  private authority?: Promise<DevAttestationAuthority>;
  /** In-flight reads by page: callers of the same page share one (see list). */
  private readonly listings = new Map<string, Promise<{ data: NodeResponse[]; nextCursor: string | null }>>();

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly routerIdentity: RouterIdentity,
    private readonly limiter: RateLimiter,
    private readonly policy: AttestationPolicyProvider,
    private readonly pins: HubPinRecorder,
  ) {}

  async register(user: AuthUser, dto: RegisterNodeDto): Promise<RegisteredNodeResponse> {
    await this.limiter.enforce('nodeRegister', user.id, 'allow');
    const proof = verifyRegistration({ operatorUserId: user.id, ...dto });
    if (!proof.ok) throw new InvalidRegistrationProofError(proof.reason);
    const address = getAddress(dto.address);
    const existing = await this.nodes.findByAddress(address);
    if (existing && existing.operatorId !== user.id) throw new NodeAddressTakenError(address);
    if (existing?.status === 'revoked') throw new NodeRevokedError(address);
    if (existing?.status === 'suspect') throw new NodeSuspectError(address);
    if (await this.nodes.operatorHasSuspectNode(user.id)) throw new OperatorSuspectError();
    if (existing && existing.attestationKind !== 'dev' && !dto.evidence)
      throw new EvidenceDowngradeError(address, existing.attestationKind);
    const attested = dto.evidence
      ? await this.verifiedEvidence(dto.evidence, address)
      : await this.devAttestation(address);
    const node = await this.nodes.saveOperatorNode(existing, {
      address,
      name: dto.name,
      url: dto.url,
      modelIds: dto.modelIds,
      region: dto.region ?? null,
      provider: dto.provider ?? null,
      operatorId: user.id,
      teeKind: attested.kind,
      attestationKind: attested.kind,
      attestation: attested.attestation,
      measurement: attested.measurement,
    });
    return {
      id: node.id,
      address: node.address,
      status: node.status,
      attestation: node.attestation,
      routerAddress: this.routerIdentity.address,
    };
  }

  /**
   * Evidence the node made in its TEE, verified now against the same policy the router applies to stored evidence
   * (attested-nodes.ts), and stored as sent so the router and proof jobs can verify it again later.
   */
  private async verifiedEvidence(
    evidence: RegisterNodeDto['evidence'] & object,
    address: string,
  ): Promise<Attested> {
    const { kind, document, collateral } = evidence;
    const verdict = await verifyNodeBinding(
      { kind, document, collateral },
      address,
      await this.policy.current(),
    );
    if (!verdict.verified) throw new NodeEvidenceRefusedError(verdict);
    // collateral is a JSON object from the request body (the DTO checked it), so it stores as JSON.
    return {
      kind,
      attestation: { kind, document, collateral: collateral as Prisma.InputJsonObject },
      measurement: verdict.measurement,
    };
  }

  /** No hardware evidence: the api cannot measure the node, so its dev authority vouches for the key alone. */
  private async devAttestation(address: string): Promise<Attested> {
    const authority = await this.devAuthority();
    const document = await authority.issue({
      nodeAddress: address,
      measurement: REMOTE_NODE_MEASUREMENT,
      validForMs: DEV_ATTESTATION_VALIDITY_MS,
    });
    return { kind: 'dev', attestation: { kind: 'dev', document }, measurement: REMOTE_NODE_MEASUREMENT };
  }

  /** The node key is the credential: no API key, and nothing changes unless the node signed it just now. */
  async heartbeat(id: string, dto: NodeHeartbeatDto): Promise<NodeHeartbeatResponse> {
    const node = await this.nodes.findById(id);
    if (!node) throw new NodeNotFoundError(id);
    const now = Date.now();
    const check = verifyHeartbeat({ nodeId: id, ...dto }, node.address, now);
    if (!check.ok) {
      const fresh = Math.abs(now - dto.at) <= HEARTBEAT_FRESH_MS;
      throw fresh ? new BadHeartbeatSignatureError() : new StaleHeartbeatError();
    }
    if (node.status === 'revoked') throw new NodeRevokedError(id);
    const keys = dto.ohttpKeys;
    const storedKeys = node.ohttpKeys as { signature?: unknown } | null;
    // Checked only when they changed: the same signed configuration comes with every heartbeat.
    const newKeys = keys && storedKeys?.signature !== keys.signature ? keys : undefined;
    if (newKeys) {
      const binding = checkGatewayKeys(node.address, newKeys, new Date(now));
      if (!binding.ok) throw new InvalidGatewayKeysError(binding.reason);
    }
    const updated = await this.nodes.recordHeartbeat(id, dto.status, dto.outstanding, new Date(dto.at));
    if (!updated) {
      const now = await this.nodes.findById(id);
      throw now?.status === 'revoked' ? new NodeRevokedError(id) : new ReplayedHeartbeatError();
    }
    // The router key may have changed (a new ROUTER_PRIVATE_KEY): the node takes the new one without a restart.
    // Told to the node, whose operator does not see the api's log: a node the probe cannot reach is not routed to.
    if (newKeys) await this.nodes.setOhttpKeys(id, newKeys);
    // The list is covered by the signature checked above (pinsDigest in the heartbeat message).
    if (dto.pins !== undefined) await this.pins.record(id, dto.pins, now);
    const probed = updated.operatorId === null || isHealthy(updated, this.config.network.heartbeatMs, now);
    return { status: updated.status, routerAddress: this.routerIdentity.address, probed };
  }

  async revoke(user: AuthUser, id: string): Promise<void> {
    const node = await this.nodes.findById(id);
    if (!node) throw new NodeNotFoundError(id);
    if (user.role !== 'admin' && node.operatorId !== user.id) throw new NotNodeOperatorError();
    if (user.role !== 'admin' && node.status === 'suspect') throw new SuspectNodeRevokeError();
    await this.nodes.revoke(id);
  }

  /**
   * Public and the same for everyone: callers that arrive while a read is in flight share it, so a burst of
   * unauthenticated calls costs the database one query at a time, not one each (it starved /health).
   */
  list(query: ListNodesQuery): Promise<{ data: NodeResponse[]; nextCursor: string | null }> {
    // Decoded first: a forged cursor is the caller's 400 and joins nobody's read.
    const after = query.cursor === undefined ? undefined : decodeKeysetCursor(query.cursor);
    const key = `${query.limit}:${query.cursor ?? ''}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = this.readPage(query.limit, after).finally(() => this.listings.delete(key));
      this.listings.set(key, listing);
    }
    return listing;
  }

  private async readPage(
    limit: number,
    after?: KeysetPosition,
  ): Promise<{ data: NodeResponse[]; nextCursor: string | null }> {
    const rows = await this.nodes.listPage(limit, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const now = Date.now();
    const { heartbeatMs } = this.config.network;
    return {
      data: page.map((node) => ({
        id: node.id,
        name: node.name,
        address: node.address,
        operator: node.operator?.handle ?? null,
        modelIds: node.modelIds,
        region: node.region,
        provider: node.provider,
        attestationKind: node.attestationKind,
        // Silent past the healthy window: `offline` (dto/reported-status.ts); `healthy` is judged on the stored row.
        status: reportedStatus(node, heartbeatMs, now),
        lastHeartbeatAt: node.lastHeartbeatAt,
        healthy: isHealthy(node, heartbeatMs, now),
      })),
      nextCursor: rows.length > limit && last ? encodeKeysetCursor(keysetPositionOf(last)) : null,
    };
  }

  private devAuthority(): Promise<DevAttestationAuthority> {
    this.authority ??= DevAttestationAuthority.loadOrCreate(this.config.node.devCaFile).catch(
      (error: unknown) => {
        this.authority = undefined;
        throw error;
      },
    );
    return this.authority;
  }
}
