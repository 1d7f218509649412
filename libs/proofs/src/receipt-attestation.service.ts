import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Prisma } from '@app/database';
import { ProofJobs } from '@app/queue';
import {
  AnyReceipt,
  commitText,
  contentHashes,
  Receipt,
  receiptDigest,
  recoverReceiptSigner,
  utf8Prefix,
  ZERO_ADDRESS,
  ZERO_DIGEST,
} from '@app/receipts';
import { AttestedNodes } from '@app/network';
import { receiptVersionOfRecord } from './inference-view';
import { ProofEvents } from './proof-events';
import {
  AttestRound,
  InferenceForAttestation,
  PendingReceiptsRepository,
  Verdict,
} from './pending-receipts.repository';

type Check = { ok: true } | { ok: false; kind: 'signature' | 'attestation'; reason: string };

/**
 * Checks replies' receipts and their nodes, then gives each receipt a leaf in the open batch: a round at a time
 * (the worker's AttestationPump), or one receipt (the `proofs` job the reconciler and older releases enqueue).
 */
@Injectable()
export class ReceiptAttestationService {
  private readonly logger = new Logger(ReceiptAttestationService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly pending: PendingReceiptsRepository,
    private readonly jobs: ProofJobs,
    private readonly events: ProofEvents,
    // The router's own check (libs/network): a node it routes to is one whose receipts pass here.
    private readonly attested: AttestedNodes,
  ) {}

  /** The oldest pending receipts, up to `limit`, that no other worker holds. Returns the round's outcome. */
  async attestPending(limit: number, ids?: string[]): Promise<AttestRound> {
    const round = await this.pending.attestRound(
      { limit, ids, maxBatchSize: this.config.batches.maxSize },
      (records) => Promise.all(records.map((record) => this.judgeOrDefer(record))),
    );
    for (const { record, reason } of round.deferred)
      this.logger.warn(`Receipt ${record.id} could not be checked now, retried later: ${reason}`);
    for (const { record, kind, reason } of round.failed) {
      this.logger.warn(`Receipt ${record.id} failed its ${kind} check: ${reason}`);
      this.events.update({ ...eventIds(record), status: 'failed', error: reason });
    }
    // Told before the batch job is queued, so a client never sees anchored before attested.
    for (const { record } of round.attested)
      this.events.update({ ...eventIds(record), status: 'attested', signer: record.signer ?? undefined });
    await Promise.all([
      ...round.full.map((batchId) => this.jobs.anchorNow(batchId)),
      ...round.opened
        .filter((batchId) => !round.full.includes(batchId))
        .map((batchId) => this.jobs.anchorLater(batchId, this.config.batches.maxAgeMs)),
    ]);
    return round;
  }

  anyPending(): Promise<boolean> {
    return this.pending.anyPending();
  }

  /** One receipt, if it is still pending: the job's path. */
  async attest(inferenceId: string): Promise<'attested' | 'failed' | 'skipped'> {
    const round = await this.attestPending(1, [inferenceId]);
    if (round.attested.length > 0) return 'attested';
    return round.failed.length > 0 ? 'failed' : 'skipped';
  }

  // A check that breaks (a bug, a verifier that cannot run) must not hold up the round's other receipts.
  private judgeOrDefer(record: InferenceForAttestation): Promise<Verdict> {
    return this.judge(record).catch((error: unknown) => ({ ok: 'later' as const, reason: String(error) }));
  }

  private async judge(record: InferenceForAttestation): Promise<Verdict> {
    const receiptCheck = this.checkReceipt(record);
    const check = receiptCheck.ok ? await this.checkNode(record) : receiptCheck;
    if (!check.ok) return check;
    const node = record.node!;
    return {
      ok: true,
      checks: {
        signature: { signer: record.signer, digest: record.digest },
        // The evidence exactly as checked: a node that re-registers later must not change old bundles.
        attestation: {
          nodeId: node.id,
          kind: node.attestationKind,
          measurement: node.measurement,
          evidence: node.attestation as Prisma.InputJsonValue,
        },
      },
    };
  }

  /** The stored receipt must be the one signed, and must describe exactly this reply. */
  private checkReceipt(record: InferenceForAttestation): Check {
    const fail = (reason: string): Check => ({ ok: false, kind: 'signature', reason });
    if (!record.receipt || !record.signature || !record.digest)
      return fail('the reply has no signed receipt');
    const receipt = record.receipt as unknown as AnyReceipt;
    const version = receiptVersionOfRecord(record);
    let digest: string;
    try {
      digest = receiptDigest(receipt, version);
    } catch (error) {
      // A malformed receipt would fail the same way on every retry: it is a verdict, not a fault.
      return fail(`the receipt is malformed: ${String(error)}`);
    }
    if (digest !== record.digest) return fail('the receipt does not match its digest');
    if (receipt.inferenceId !== record.id || receipt.conversationId !== record.conversationId)
      return fail('the receipt names another inference or conversation');
    if (receipt.personaVersionHash !== record.conversation.personaVersion.hash)
      return fail('the receipt names another persona version than the conversation’s');
    let expected: { outputHash: string; inputHash: string };
    try {
      expected = contentHashes(version, {
        output: record.message.content,
        input: record.input,
        salt: record.salt,
      });
    } catch (error) {
      return fail(`the content hashes cannot be recomputed: ${String(error)}`);
    }
    if (receipt.outputHash !== expected.outputHash)
      return fail('outputHash does not match the delivered reply');
    if (receipt.inputHash !== expected.inputHash) return fail('inputHash does not match the model input');
    const prefixProblem = version === 3 ? checkPrefix(record, receipt as Receipt) : null;
    if (prefixProblem) return fail(prefixProblem);
    const signer = recoverReceiptSigner(receipt, record.signature, version, digest);
    if (!signer || signer !== receipt.node || signer !== record.signer)
      return fail('the signature does not recover to the receipt’s node');
    return { ok: true };
  }

  private async checkNode(record: InferenceForAttestation): Promise<Check> {
    const fail = (reason: string): Check => ({ ok: false, kind: 'attestation', reason });
    const node = record.node;
    if (!node || node.address !== record.signer) return fail('the signing node is not registered');
    // Cached per node and evidence for a minute: certificate-chain work is not the cost of each reply.
    const verdict = await this.attested.verdict(node);
    return verdict.verified
      ? { ok: true }
      : fail(`node attestation rejected: ${verdict.reason ?? 'unverified'}`);
  }
}

/**
 * v3: the prefix fields agree with what the api recorded. A reply one node made signs zero; a taken-over one names a
 * prefix node and commits, with the same salt, to exactly the first prefixBytes of the stored reply.
 */
function checkPrefix(record: InferenceForAttestation, receipt: Receipt): string | null {
  const zeroNode = receipt.prefixNode?.toLowerCase() === ZERO_ADDRESS;
  const zeroHash = receipt.prefixHash?.toLowerCase() === ZERO_DIGEST;
  if (record.prefixBytes === null)
    return zeroNode && zeroHash ? null : 'the receipt claims a takeover that the reply did not have';
  if (zeroNode || zeroHash) return 'the reply was taken over, but the receipt names no prefix';
  const prefix = utf8Prefix(record.message.content, record.prefixBytes);
  if (prefix === null || !record.salt) return 'the taken-over prefix cannot be recovered from the reply';
  return commitText(record.salt, prefix) === receipt.prefixHash
    ? null
    : 'prefixHash does not match the delivered prefix';
}

const eventIds = (
  record: InferenceForAttestation,
): { inferenceId: string; messageId: string; conversationId: string } => ({
  inferenceId: record.id,
  messageId: record.messageId,
  conversationId: record.conversationId,
});
