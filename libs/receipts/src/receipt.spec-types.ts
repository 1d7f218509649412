// Receipts v1, v2 and v3 exactly as docs/receipts.md specifies: changing a field or its order changes every digest,
// so that is a new receipt version, never an edit. v2 differs from v1 only in its domain and salted hashes
// (receipt-hashes.ts); v3 appends prefixNode and prefixHash (a reply taken over mid-stream) to v2's fields.
import type { TypedDataDomain, TypedDataField } from 'ethers';

export type ReceiptVersion = 1 | 2 | 3;

export const RECEIPT_VERSION = 3 as const satisfies ReceiptVersion;

export const RECEIPT_DOMAINS: Readonly<Record<ReceiptVersion, TypedDataDomain>> = {
  1: { name: 'Twinproof', version: '1' },
  2: { name: 'Twinproof', version: '2' },
  3: { name: 'Twinproof', version: '3' },
};

export const RECEIPT_DOMAIN: TypedDataDomain = RECEIPT_DOMAINS[RECEIPT_VERSION];

/** The receipt version a bundle's EIP-712 domain names, or null for a domain this code does not know. */
export function receiptVersionOf(domain: unknown): ReceiptVersion | null {
  if (typeof domain !== 'object' || domain === null) return null;
  const { name, version } = domain as TypedDataDomain;
  if (name !== 'Twinproof') return null;
  return version === '1' ? 1 : version === '2' ? 2 : version === '3' ? 3 : null;
}

const V2_FIELDS: TypedDataField[] = [
  { name: 'inferenceId', type: 'string' },
  { name: 'conversationId', type: 'string' },
  { name: 'previousDigest', type: 'bytes32' },
  { name: 'node', type: 'address' },
  { name: 'modelId', type: 'string' },
  { name: 'personaVersionHash', type: 'bytes32' },
  { name: 'inputHash', type: 'bytes32' },
  { name: 'outputHash', type: 'bytes32' },
  { name: 'promptTokens', type: 'uint32' },
  { name: 'completionTokens', type: 'uint32' },
  { name: 'startedAt', type: 'uint64' },
  { name: 'finishedAt', type: 'uint64' },
];

/** v1 and v2 sign the same twelve fields; v3 appends two, at the end, so v2's order is untouched. */
export const RECEIPT_TYPES_BY_VERSION: Readonly<Record<ReceiptVersion, Record<string, TypedDataField[]>>> = {
  1: { Receipt: V2_FIELDS },
  2: { Receipt: V2_FIELDS },
  3: {
    Receipt: [...V2_FIELDS, { name: 'prefixNode', type: 'address' }, { name: 'prefixHash', type: 'bytes32' }],
  },
};

/** The types of the version new receipts are signed with (v3). A v1 or v2 receipt needs its own: receiptTypes(v). */
export const RECEIPT_TYPES: Record<string, TypedDataField[]> = RECEIPT_TYPES_BY_VERSION[RECEIPT_VERSION];

export function receiptTypes(version: ReceiptVersion): Record<string, TypedDataField[]> {
  return RECEIPT_TYPES_BY_VERSION[version];
}

/** A v1 or v2 receipt as stored and served: numbers are JSON numbers (times in ms since the epoch), hashes 0x-hex. */
export interface ReceiptV2 {
  inferenceId: string;
  conversationId: string;
  previousDigest: string;
  node: string;
  modelId: string;
  personaVersionHash: string;
  inputHash: string;
  outputHash: string;
  promptTokens: number;
  completionTokens: number;
  startedAt: number;
  finishedAt: number;
}

/** A v3 receipt, which every new reply gets. */
export interface Receipt extends ReceiptV2 {
  /** The node that streamed the start of the reply and died (a takeover); the zero address when one node made it. */
  prefixNode: string;
  /** commitText(salt, the delivered prefix) on a takeover; ZERO_DIGEST when one node made the reply. */
  prefixHash: string;
}

/** A receipt of any version: what a bundle or a stored record holds. */
export type AnyReceipt = ReceiptV2 | Receipt;

export const ZERO_DIGEST = `0x${'00'.repeat(32)}`;
export const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;

/** The prefix fields of a reply that one node made from its first token to its last. */
export const NO_PREFIX: Pick<Receipt, 'prefixNode' | 'prefixHash'> = Object.freeze({
  prefixNode: ZERO_ADDRESS,
  prefixHash: ZERO_DIGEST,
});

/** The receipt's own fields and nothing else: a signature covers only these, so nothing else may be stored with it. */
export function receiptFieldsOnly(receipt: Receipt): Receipt {
  const fields = Object.fromEntries(
    RECEIPT_TYPES.Receipt.map(({ name }) => [name, (receipt as unknown as Record<string, unknown>)[name]]),
  );
  return fields as unknown as Receipt;
}
