import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { Node } from '@app/database';
import { ModelRegistry } from '@app/inference';
import { AttestationPolicyProvider } from '../attestation-policy';
import { LocalNode } from '../local-node';
import { NodesRepository } from '../nodes.repository';
import { AttestedNodes } from './attested-nodes';
import { isHealthy } from './node-health';
import { IN_PROCESS_KEY, NodeTarget } from './node-target';
import { RemoteNodeConnector } from './remote-node-connector';

// Registrations and heartbeats reach the router through Postgres (any api instance may receive them); one read a
// second at most, however many replies start, and never older than a heartbeat interval: a live node's heartbeat is
// then at most 2 intervals old when it is judged, inside the 3 that keep it healthy.
const DIRECTORY_TTL_MS = 1_000;

interface Snapshot {
  at: number;
  nodes: Node[];
  /**
   * A spot check caught the api's own node, or its stored attestation no longer verifies: it is routed around like
   * any other node (docs/network.md).
   */
  inProcessExcluded: boolean;
}

interface Connected {
  url: string;
  address: string;
  target: NodeTarget;
}

/**
 * The nodes that may serve a model now: the in-process node when on, and registered nodes that are healthy and whose
 * attestation verifies under the worker's policy (a reply from any other would fail its proof job).
 */
@Injectable()
export class NodeDirectory {
  private readonly logger = new Logger(NodeDirectory.name);
  private snapshot?: Snapshot;
  private loading?: Promise<Snapshot>;
  private readonly connected = new Map<string, Connected>();
  private readonly inProcess: NodeTarget;
  // Built here, not injected: the policy needs only AppConfig, and NetworkModule's other users need not provide it.
  private readonly attested: AttestedNodes;

  constructor(
    private readonly config: AppConfig,
    private readonly nodes: NodesRepository,
    private readonly models: ModelRegistry,
    private readonly connector: RemoteNodeConnector,
    local: LocalNode,
  ) {
    this.attested = new AttestedNodes(new AttestationPolicyProvider(config));
    // The platform runs it: no operator account. Its address exists once LocalNode has started.
    this.inProcess = {
      key: IN_PROCESS_KEY,
      inProcess: true,
      operatorId: null,
      teeKind: 'dev',
      get address() {
        return local.address;
      },
      stream: (request, signal) => local.stream(request, signal),
    };
  }

  async candidates(modelId: string, now = Date.now()): Promise<NodeTarget[]> {
    const { inProcessNode, heartbeatMs } = this.config.network;
    const targets: NodeTarget[] = [];
    const { nodes, inProcessExcluded } = await this.registered(now);
    if (inProcessNode && !inProcessExcluded && this.models.has(modelId)) targets.push(this.inProcess);
    for (const node of nodes) {
      if (node.modelIds.includes(modelId) && isHealthy(node, heartbeatMs, now))
        targets.push(this.target(node));
    }
    return targets;
  }

  private async registered(now: number): Promise<Snapshot> {
    const ttlMs = Math.min(DIRECTORY_TTL_MS, this.config.network.heartbeatMs);
    if (this.snapshot && now - this.snapshot.at < ttlMs) return this.snapshot;
    this.loading ??= Promise.all([
      this.nodes.listRoutable().then((nodes) => this.attested.filter(nodes)),
      this.isInProcessExcluded(),
    ])
      .then(([nodes, inProcessExcluded]) => {
        this.snapshot = { at: Date.now(), nodes, inProcessExcluded };
        return this.snapshot;
      })
      .catch((error: unknown) => {
        // The last list is better than none: a reply still fails later if the database is really down.
        this.logger.warn(`Could not read the registered nodes: ${String(error)}`);
        return this.snapshot ?? { at: 0, nodes: [], inProcessExcluded: false };
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Its own row holds the evidence LocalNode registered: judged like any node's, at no extra query. */
  private async isInProcessExcluded(): Promise<boolean> {
    if (!this.config.network.inProcessNode) return false;
    let address: string | undefined;
    try {
      address = this.inProcess.address;
    } catch {
      // Not started yet: nothing has disputed it.
    }
    if (typeof address !== 'string') return false;
    const row = await this.nodes.findByAddress(address);
    if (!row) return false;
    if (row.status === 'suspect') return true;
    return !(await this.attested.verdict(row)).verified;
  }

  private target(node: Node): NodeTarget {
    const known = this.connected.get(node.id);
    if (
      known &&
      known.url === node.url &&
      known.address === node.address &&
      known.target.operatorId === node.operatorId
    )
      return known.target;
    const client = this.connector.connect({ id: node.id, address: node.address, url: node.url });
    const target: NodeTarget = {
      key: node.id,
      inProcess: false,
      operatorId: node.operatorId,
      teeKind: node.teeKind,
      address: node.address,
      stream: (request, signal) => client.stream(request, signal),
    };
    this.connected.set(node.id, { url: node.url, address: node.address, target });
    return target;
  }
}
