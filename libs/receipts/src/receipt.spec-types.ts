// Receipts v1 and v2 exactly as docs/receipts.md specifies: changing a field or its order changes every digest, so
// that is a new receipt version, never an edit. v2 differs only in its domain and salted hashes (receipt-hashes.ts).
import type { TypedDataDomain, TypedDataField } from 'ethers';

export type ReceiptVersion = 1 | 2;

export const RECEIPT_VERSION: ReceiptVersion = 2;

export const RECEIPT_DOMAINS: Readonly<Record<ReceiptVersion, TypedDataDomain>> = {
  1: { name: 'Twinproof', version: '1' },
  2: { name: 'Twinproof', version: '2' },
};

export const RECEIPT_DOMAIN: TypedDataDomain = RECEIPT_DOMAINS[RECEIPT_VERSION];

/** The receipt version a bundle's EIP-712 domain names, or null for a domain this code does not know. */
export function receiptVersionOf(domain: unknown): ReceiptVersion | null {
  if (typeof domain !== 'object' || domain === null) return null;
  const { name, version } = domain as TypedDataDomain;
  if (name !== 'Twinproof') return null;
  return version === '1' ? 1 : version === '2' ? 2 : null;
}

export const RECEIPT_TYPES: Record<string, TypedDataField[]> = {
  Receipt: [
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
  ],
};

/** The receipt as stored and served: numbers are JSON numbers (times in ms since the epoch), hashes 0x-hex. */
export interface Receipt {
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

export const ZERO_DIGEST = `0x${'00'.repeat(32)}`;

/** The receipt's own fields and nothing else: a signature covers only these, so nothing else may be stored with it. */
export function receiptFieldsOnly(receipt: Receipt): Receipt {
  const fields = Object.fromEntries(
    RECEIPT_TYPES.Receipt.map(({ name }) => [name, (receipt as unknown as Record<string, unknown>)[name]]),
  );
  return fields as unknown as Receipt;
}
