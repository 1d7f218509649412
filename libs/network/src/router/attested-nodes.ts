import { Logger } from '@nestjs/common';
import { AttestationEvidence, AttestationVerdict, verifyNodeBinding } from '@app/attestation';
import { AttestationPolicyProvider } from '../attestation-policy';

// An attestation changes only when its node registers again, but it expires and the policy (allowed measurements,
// trusted authorities) is read anew: a verdict is reused for a minute, so an expiry is noticed within one.
export const VERDICT_TTL_MS = 60_000;
const FORGET_AFTER_MS = 10 * VERDICT_TTL_MS;

/** What the check reads of a node row. */
export interface AttestableNode {
  id: string;
  address: string;
  attestation: unknown;
}

interface Cached {
  at: number;
  /** The evidence the verdict is about: a re-registration with new evidence is checked at once. */
  evidence: string;
  verdict: AttestationVerdict;
}

/**
 * Whether a node's stored attestation verifies, under the current policy, for the node's own address. The router
 * routes only to nodes that pass (issue 11) and the worker fails the receipts of nodes that do not: one verdict, one
 * cache, so both judge a node alike. Never throws: evidence that cannot be checked is a refusal.
 */
export class AttestedNodes {
  private readonly logger = new Logger(AttestedNodes.name);
  private readonly verdicts = new Map<string, Cached>();

  constructor(private readonly policy: AttestationPolicyProvider) {}

  async verdict(node: AttestableNode, now = Date.now()): Promise<AttestationVerdict> {
    const evidence = stableText(node.attestation);
    const cached = this.verdicts.get(node.id);
    if (cached && cached.evidence === evidence && now - cached.at < VERDICT_TTL_MS) return cached.verdict;
    const verdict = await this.verify(node, now);
    this.verdicts.set(node.id, { at: now, evidence, verdict });
    const wasRefused = cached?.evidence === evidence && !cached.verdict.verified;
    // Once per refusal, not once a minute; the reason names no secret (the evidence is public).
    if (!verdict.verified && !wasRefused)
      this.logger.warn(
        `Node ${node.id} (${node.address}) has an attestation that is rejected (${verdict.reason ?? 'unverified'}): it is routed around and its receipts fail until it registers again`,
      );
    return verdict;
  }

  /** The nodes whose attestation verifies now, in their order. */
  async filter<T extends AttestableNode>(nodes: readonly T[], now = Date.now()): Promise<T[]> {
    const verdicts = await Promise.all(nodes.map((node) => this.verdict(node, now)));
    // Verdicts nobody asked for in a while (revoked nodes) are forgotten: the cache stays as large as the network.
    for (const [id, cached] of this.verdicts) if (now - cached.at > FORGET_AFTER_MS) this.verdicts.delete(id);
    return nodes.filter((_, index) => verdicts[index].verified);
  }

  private async verify(node: AttestableNode, now: number): Promise<AttestationVerdict> {
    try {
      const policy = await this.policy.current(new Date(now));
      return await verifyNodeBinding(node.attestation as AttestationEvidence, node.address, policy);
    } catch (error) {
      // The policy could not be loaded (the dev CA file unreadable): nothing vouches for the node.
      return {
        kind: (node.attestation as Partial<AttestationEvidence> | null)?.kind ?? 'dev',
        verified: false,
        measurement: null,
        boundAddress: null,
        reason: `verification error: ${String(error)}`,
      };
    }
  }
}

function stableText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}
