import type { TypedDataDomain, TypedDataField } from 'ethers';
import type { ZkProofBundle } from '@app/zk';
import type { Receipt } from './receipt.spec-types';

export interface BundleAttestation {
  kind: string;
  /** The evidence as the node registered it: base64 (Nitro, DCAP quotes) or JSON text (dev). */
  document: string;
  collateral?: unknown;
  measurement: string | null;
  /** Whether the platform's worker accepted it; a verifier checks it again for itself. */
  verified: boolean;
}

export interface BundleBatch {
  root: string;
  leafIndex: number;
  proof: string[];
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
}

/** Groth16 proof of the persona's scoring model on this reply (libs/zk), with what it cost next to the reply. */
export type BundleZk = ZkProofBundle & { inferenceMs: number | null };

/** Everything needed to verify one reply offline (docs/receipts.md, "Bundle"); `domain` says the receipt's version. */
export interface ProofBundle {
  version: 1;
  inferenceId: string;
  status: string;
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  receipt: Receipt;
  digest: string;
  signature: string;
  signer: string;
  attestation: BundleAttestation;
  batch: BundleBatch | null;
  zk: BundleZk | null;
  /** Only for the conversation's participants. */
  content?: string;
  input?: unknown;
  /** v2 receipts: the 32-byte salt of the content hashes (0x-hex), only for the conversation's participants. */
  salt?: string;
}
