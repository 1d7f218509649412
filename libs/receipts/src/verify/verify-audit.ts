import type { ProofBundle } from '../bundle';
import { receiptDigest } from '../receipt-signing';
import { RECEIPT_VERSION, receiptVersionOf, ZERO_DIGEST } from '../receipt.spec-types';
import { verifyBundle, VerifyOptions } from './verify-bundle';
import { CheckResult, fail, pass, skip, summarize, Verification } from './verification.types';

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

/** The assistant lines the model was shown before the consumer's first message, or null if input is no message list. */
function openingLines(input: unknown): string[] | null {
  if (!Array.isArray(input)) return null;
  const lines: string[] = [];
  for (const message of input) {
    if (typeof message !== 'object' || message === null) return null;
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (role === 'user') break;
    if (role === 'assistant') lines.push(typeof content === 'string' ? content : JSON.stringify(content));
  }
  return lines;
}

type GreetingProof = { status: 'proven' } | { status: 'fail' | 'skip'; reason: string };

/**
 * Greetings carry no receipt, but the next reply's model was shown them: its signed input holds them verbatim as
 * assistant messages before the consumer's first message. Only an input whose hash checked proves anything.
 */
function proveGreetings(
  greetings: Extract<AuditLine, { type: 'message' }>[],
  bundle: ProofBundle,
  verification: Verification,
): GreetingProof {
  if (bundle.input === undefined)
    return { status: 'skip', reason: `receipt ${bundle.inferenceId}'s model input is withheld` };
  const shown = openingLines(bundle.input);
  if (!shown)
    return { status: 'fail', reason: `receipt ${bundle.inferenceId}'s input is not a message list` };
  const wrong = greetings.find((greeting, index) => shown[index] !== greeting.content);
  if (wrong)
    return {
      status: 'fail',
      reason: `greeting ${wrong.id} is not what the model of receipt ${bundle.inferenceId} was shown`,
    };
  if (shown.length !== greetings.length)
    return {
      status: 'fail',
      reason: `the model of receipt ${bundle.inferenceId} was shown ${shown.length} opening line(s), the export has ${greetings.length}`,
    };
  const inputCheck = verification.checks.find((check) => check.check === 'input-hash');
  return inputCheck?.status === 'pass'
    ? { status: 'proven' }
    : {
        status: 'skip',
        reason: `receipt ${bundle.inferenceId}'s input could not be checked against its hash`,
      };
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
 * Every bundle on its own, then the whole: previousDigest links run unbroken from zero in message order (a removed,
 * altered or moved turn breaks them), every delivered reply has its bundle, and a greeting (no receipt) must appear
 * verbatim in the next receipt's input, else it is skipped, never passed.
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
  const greetings: Extract<AuditLine, { type: 'message' }>[] = [];
  let greetingProof: GreetingProof | null = null;
  /** What could not be checked (input withheld): the transcript is then skipped, never passed. */
  let transcriptGap: string | null = null;
  for (const message of messages) {
    if (message.role === 'user') lastUserContent = message.content;
    if (message.role === 'assistant' && message.status === 'complete' && !message.bundle) {
      // A greeting is the persona's opening line, not a model's answer: nothing was inferred, so nothing was
      // signed. Only lines before the first user turn can be one; an unsigned line after it is an unproven reply.
      if (lastUserContent === null) {
        greetings.push(message);
        greetingProof = null;
      } else transcriptProblem ??= `reply ${message.id} was delivered without a receipt`;
    }
    const bundle = message.bundle;
    if (!bundle) continue;
    const verification = await verifyBundle(bundle, {
      ...options,
      expectedInferenceId: message.inferenceId ?? undefined,
    });
    bundles.push({ inferenceId: bundle.inferenceId, verification });
    // The first receipt after the greeting(s) is the one whose input shows every one of them.
    if (greetings.length > 0 && !greetingProof)
      greetingProof = proveGreetings(greetings, bundle, verification);
    if (bundle.content !== message.content)
      transcriptProblem ??= `message ${message.id} differs from its receipt`;
    // The signed input ends with the consumer's message this reply answered, so user lines cannot be edited either.
    if (lastUserContent !== null && bundle.input === undefined)
      transcriptGap ??= `the model input of reply ${message.id} is withheld, so the message before it is unchecked`;
    else if (lastUserContent !== null && lastUserMessage(bundle.input) !== lastUserContent)
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
  if (greetings.length > 0 && !greetingProof)
    greetingProof = { status: 'skip', reason: 'no receipt follows it to show what the model was shown' };
  if (greetingProof?.status === 'fail') transcriptProblem ??= greetingProof.reason;
  if (greetingProof?.status === 'skip') transcriptGap ??= `the greeting: ${greetingProof.reason}`;
  checks.push(
    transcriptProblem
      ? fail('transcript', transcriptProblem)
      : transcriptGap
        ? skip('transcript', `${messages.length} messages, unverifiable: ${transcriptGap}`)
        : pass(
            'transcript',
            greetings.length > 0
              ? `${messages.length} messages, of which ${greetings.length} greeting(s) from the persona, unsigned but shown verbatim to the model of the next receipt`
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
