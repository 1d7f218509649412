import type { InferenceStatus } from '@app/database';

/** `proof:update` (API.md): each step of a reply's verification, as it happens. */
export interface ProofUpdateEvent {
  inferenceId: string;
  messageId: string;
  conversationId: string;
  status: InferenceStatus;
  signer?: string;
  batch?: { root: string; leafIndex: number; chainId: number; txHash: string; blockNumber: number };
  zk?: {
    status: 'verified' | 'failed';
    provingMs: number | null;
    inferenceMs: number | null;
    error?: string;
  };
  error?: string;
}
