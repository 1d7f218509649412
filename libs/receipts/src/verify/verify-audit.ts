import type { ProofBundle } from '../bundle';
import { receiptDigest } from '../receipt-signing';
import { RECEIPT_VERSION, receiptVersionOf, ZERO_DIGEST } from '../receipt.spec-types';
import { verifyBundle, VerifyOptions } from './verify-bundle';
import { CheckResult, fail, pass, summarize, Verification } from './verification.types';

/** One line of `GET /v1/conversations/:id/audit`. */
export type AuditLine =
  | { type: 'conversation'; id: string; personaVersionHash: string }
  | {
      type: 'message';
      id: string;
      role: string;
      status: string;
      content: string;
      inferenceId: string | null;
      bundle: ProofBundle | null;
    };

export interface AuditVerification extends Verification {
  bundles: { inferenceId: string; verification: Verification }[];
}

function lastUserMessage(input: unknown): string | null {
  if (!Array.isArray(input)) return null;
  const users = input.filter(
    (m): m is { role: string; content: string } =>
      typeof m === 'object' && m !== null && (m as { role?: unknown }).role === 'user',
  );
  return users.at(-1)?.content ?? null;
}

export function parseAuditExport(text: string): AuditLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as AuditLine;
      } catch {
        throw new Error(`Line ${index + 1} of the export is not JSON.`);
      }
    });
}

/**
 * Verifies a conversation export: every bundle on its own, then the conversation as a whole. The receipts'
 * previousDigest links must run unbroken from zero through every receipt in message order, so a turn removed,
 * altered or moved breaks the chain; and every delivered reply must come with the bundle that proves it. The
 * persona's greeting, before the consumer's first message, is no reply and has no receipt.
 */
export async function verifyAudit(lines: AuditLine[], options: VerifyOptions): Promise<AuditVerification> {
  const header = lines[0];
  if (header?.type !== 'conversation') {
    return {
      ...summarize([fail('transcript', 'the export does not start with its conversation line')]),
      bundles: [],
    };
  }
  const messages = lines.filter((line) => line.type === 'message');
  const checks: CheckResult[] = [];
  const bundles: AuditVerification['bundles'] = [];
  let previous = ZERO_DIGEST;
  let chainBroken: string | null = null;
  let transcriptProblem: string | null = null;
  let lastUserContent: string | null = null;
  let greetings = 0;
  for (const message of messages) {
    if (message.role === 'user') lastUserContent = message.content;
    if (message.role === 'assistant' && message.status === 'complete' && !message.bundle) {
      // A greeting is the persona's opening line, not a model's answer: nothing was inferred, so nothing was
      // signed. Only lines before the first user turn can be one; an unsigned line after it is an unproven reply.
      if (lastUserContent === null) greetings += 1;
      else transcriptProblem ??= `reply ${message.id} was delivered without a receipt`;
    }
    const bundle = message.bundle;
    if (!bundle) continue;
    bundles.push({
      inferenceId: bundle.inferenceId,
      verification: await verifyBundle(bundle, {
        ...options,
        expectedInferenceId: message.inferenceId ?? undefined,
      }),
    });
    if (bundle.content !== message.content)
      transcriptProblem ??= `message ${message.id} differs from its receipt`;
    // The signed input ends with the consumer's message this reply answered, so user lines cannot be edited either.
    if (lastUserContent !== null && lastUserMessage(bundle.input) !== lastUserContent)
      transcriptProblem ??= `the message before reply ${message.id} is not the one its model input ends with`;
    if (bundle.receipt.conversationId !== header.id)
      transcriptProblem ??= `receipt ${bundle.inferenceId} belongs to another conversation`;
    if (bundle.receipt.previousDigest !== previous)
      chainBroken ??= `receipt ${bundle.inferenceId} does not follow the receipt before it`;
    try {
      // Each link is the previous receipt's digest under its own version: a conversation may span v1 and v2.
      previous = receiptDigest(bundle.receipt, receiptVersionOf(bundle.domain) ?? RECEIPT_VERSION);
    } catch {
      chainBroken ??= `receipt ${bundle.inferenceId} is malformed`;
    }
  }
  checks.push(
    chainBroken
      ? fail('hash-chain', `${chainBroken}: a turn was removed, altered or reordered`)
      : pass(
          'hash-chain',
          // A chain proves everything up to its last link; turns cut off after it leave no trace in the file.
          `${bundles.length} receipts chained from the first turn (ends at ${previous}; compare with the platform or a later receipt to rule out a cut tail)`,
        ),
  );
  checks.push(
    transcriptProblem
      ? fail('transcript', transcriptProblem)
      : pass(
          'transcript',
          greetings > 0
            ? `${messages.length} messages, of which ${greetings} greeting(s) from the persona, unsigned: no model wrote them`
            : `${messages.length} messages`,
        ),
  );
  const failedBundles = bundles.filter((entry) => !entry.verification.ok).map((entry) => entry.inferenceId);
  checks.push(
    failedBundles.length > 0
      ? fail('bundles', `${failedBundles.length} bundle(s) failed: ${failedBundles.join(', ')}`)
      : pass('bundles', `${bundles.length} bundle(s) verified`),
  );
  const overall = summarize(checks);
  const complete = overall.complete && bundles.every((entry) => entry.verification.complete);
  return { ...overall, complete, bundles };
}
