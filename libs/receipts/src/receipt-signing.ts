import { type Signer, TypedDataEncoder, type Wallet } from 'ethers';
import { recoverDigestSigner, signDigest } from './secp256k1';
import { RECEIPT_DOMAINS, RECEIPT_VERSION, receiptTypes } from './receipt.spec-types';
import type { AnyReceipt, Receipt, ReceiptVersion } from './receipt.spec-types';

/**
 * The receipt's EIP-712 digest under its version's domain and types: the Merkle leaf, and the next receipt's
 * previousDigest. Throws for a receipt missing a field its version signs (a v3 receipt without prefixHash).
 */
export function receiptDigest(receipt: AnyReceipt, version: ReceiptVersion = RECEIPT_VERSION): string {
  return TypedDataEncoder.hash(RECEIPT_DOMAINS[version], receiptTypes(version), receipt);
}

/** Nodes sign only the current version (v3). Any ethers Signer (a remote or hardware one included). */
export function signReceipt(signer: Signer, receipt: Receipt): Promise<string> {
  return signer.signTypedData(RECEIPT_DOMAINS[RECEIPT_VERSION], receiptTypes(RECEIPT_VERSION), receipt);
}

/**
 * What signReceipt gives, byte for byte, for a key held in memory, with the digest hashed once for both (the nodes'
 * path: hashing and signing in JavaScript were a tenth of the api's CPU per reply with its in-process node).
 */
export function signReceiptWithKey(wallet: Wallet, receipt: Receipt): { signature: string; digest: string } {
  const digest = receiptDigest(receipt, RECEIPT_VERSION);
  return { signature: signDigest(wallet, digest), digest };
}

/** The receipt's signer; pass the digest when it is already computed (hashing costs about as much as recovering). */
export function recoverReceiptSigner(
  receipt: AnyReceipt,
  signature: string,
  version: ReceiptVersion = RECEIPT_VERSION,
  digest?: string,
): string | null {
  try {
    return recoverDigestSigner(digest ?? receiptDigest(receipt, version), signature);
  } catch {
    return null;
  }
}
