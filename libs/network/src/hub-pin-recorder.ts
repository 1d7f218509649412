import { Injectable } from '@nestjs/common';
import { pinsDigest } from '@app/node-protocol';
import { NodesRepository } from './nodes.repository';

/**
 * How long a remembered pin list is trusted: another api process may have written a different list for the same node
 * since, so an unchanged beat is written again at least this often.
 */
const TRUST_REMEMBERED_MS = 60_000;

/**
 * Keeps a node's HubPin rows equal to the list in its heartbeats (docs/hub.md). The list comes with every beat and
 * rarely changes, so a beat whose list hashes as the last one written by this process is skipped.
 */
@Injectable()
export class HubPinRecorder {
  private readonly written = new Map<string, { digest: string; at: number }>();

  constructor(private readonly nodes: NodesRepository) {}

  async record(nodeId: string, pins: readonly string[], now = Date.now()): Promise<void> {
    const digest = pinsDigest(pins);
    const last = this.written.get(nodeId);
    if (last?.digest === digest && now - last.at < TRUST_REMEMBERED_MS) return;
    await this.nodes.replacePins(nodeId, pins);
    this.written.set(nodeId, { digest, at: now });
  }
}
