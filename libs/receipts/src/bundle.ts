import type { TypedDataDomain, TypedDataField } from 'ethers';
import type { ZkProofBundle } from '@app/zk';
import type { AnyReceipt } from './receipt.spec-types';

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

/** A reply one node started and another finished (receipt v3): where the delivered prefix ends in the content. */
export interface BundleTakeover {
  /** UTF-8 bytes of the content the first node streamed; the receipt's prefixHash commits to exactly those. */
  prefixBytes: number;
}

/**
 * A finished spot check (docs/network.md, Spot checks): another operator's node re-ran the reply. `disputed` means its
 * output differed (and a third operator's node, when there was one, agreed with it): the platform doubts the reply.
 * This is the platform's statement; the checker's own receipt is not in the bundle.
 */
export interface BundleSpotCheck {
  status: 'pending' | 'matched' | 'disputed' | 'skipped';
  /** The checker's signing address; null when none was found (skipped). */
  checkerNode: string | null;
  /** ISO 8601, null while pending. */
  checkedAt: string | null;
  reason?: string;
}

/**
 * Everything needed to verify one reply offline (docs/receipts.md, "Bundle"); `domain` says the receipt's version,
 * and `types` are that version's EIP-712 types.
 */
export interface ProofBundle {
  version: 1;
  inferenceId: string;
  status: string;
  domain: TypedDataDomain;
  types: Record<string, TypedDataField[]>;
  receipt: AnyReceipt;
  digest: string;
  signature: string;
  signer: string;
  attestation: BundleAttestation;
  batch: BundleBatch | null;
  zk: BundleZk | null;
  /** Null when the reply was not sampled for a spot check; absent in bundles made before spot checks. */
  spotCheck?: BundleSpotCheck | null;
  /** Only for the conversation's participants. */
  content?: string;
  input?: unknown;
  /** v2 and v3 receipts: the 32-byte salt of the content hashes (0x-hex), only for the conversation's participants. */
  salt?: string;
  /** A taken-over reply (v3 receipt with a prefixNode), only for the conversation's participants. */
  takeover?: BundleTakeover;
}
