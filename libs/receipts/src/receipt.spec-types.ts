// Receipt v1, exactly as API.md specifies it. Changing a field or its order changes every digest: that is a new
// receipt version, never an edit of this one.
import type { TypedDataDomain, TypedDataField } from 'ethers';

export const RECEIPT_VERSION = 1;

export const RECEIPT_DOMAIN: TypedDataDomain = { name: 'Twinproof', version: '1' };

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
