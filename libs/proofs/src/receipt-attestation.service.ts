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
import { InferenceForAttestation, ProofsRepository } from './proofs.repository';

type Check = { ok: true } | { ok: false; kind: 'signature' | 'attestation'; reason: string };

/** The `proofs` job: checks a reply's receipt and its node, then gives the receipt a leaf in the open batch. */
@Injectable()
export class ReceiptAttestationService {
  private readonly logger = new Logger(ReceiptAttestationService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly proofs: ProofsRepository,
    private readonly jobs: ProofJobs,
    private readonly events: ProofEvents,
    // The router's own check (libs/network): a node it routes to is one whose receipts pass here.
    private readonly attested: AttestedNodes,
  ) {}

  async attest(inferenceId: string): Promise<'attested' | 'failed' | 'skipped'> {
    const record = await this.proofs.findForAttestation(inferenceId);
    if (!record || record.status !== 'pending') return 'skipped';
    const receiptCheck = this.checkReceipt(record);
    const nodeCheck = receiptCheck.ok ? await this.checkNode(record) : receiptCheck;
    const base = { inferenceId, messageId: record.messageId, conversationId: record.conversationId };
    if (!nodeCheck.ok) {
      this.logger.warn(`Receipt ${inferenceId} failed its ${nodeCheck.kind} check: ${nodeCheck.reason}`);
      await this.proofs.markFailed(inferenceId, nodeCheck.kind, nodeCheck.reason);
      this.events.update({ ...base, status: 'failed', error: nodeCheck.reason });
      return 'failed';
    }
    const node = record.node!;
    const slot = await this.proofs.attestAndBatch(
      inferenceId,
      {
        signature: { signer: record.signer, digest: record.digest },
        // The evidence exactly as checked: a node that re-registers later must not change old bundles.
        attestation: {
          nodeId: node.id,
          kind: node.attestationKind,
          measurement: node.measurement,
          evidence: node.attestation as Prisma.InputJsonValue,
        },
      },
      this.config.batches.maxSize,
    );
    if (!slot) return 'skipped';
    // Told before the batch job is queued, so a client never sees anchored before attested.
    this.events.update({ ...base, status: 'attested', signer: record.signer ?? undefined });
    if (slot.full) await this.jobs.anchorNow(slot.batchId);
    else if (slot.opened) await this.jobs.anchorLater(slot.batchId, this.config.batches.maxAgeMs);
    return 'attested';
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
    const signer = recoverReceiptSigner(receipt, record.signature, version);
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
