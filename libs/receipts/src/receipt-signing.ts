import { Signer, TypedDataEncoder } from 'ethers';
import { recoverDigestSigner } from './recover-signer';
import { RECEIPT_DOMAINS, RECEIPT_VERSION, receiptTypes } from './receipt.spec-types';
import type { AnyReceipt, Receipt, ReceiptVersion } from './receipt.spec-types';

/**
 * The receipt's EIP-712 digest under its version's domain and types: the Merkle leaf, and the next receipt's
 * previousDigest. Throws for a receipt missing a field its version signs (a v3 receipt without prefixHash).
 */
export function receiptDigest(receipt: AnyReceipt, version: ReceiptVersion = RECEIPT_VERSION): string {
  return TypedDataEncoder.hash(RECEIPT_DOMAINS[version], receiptTypes(version), receipt);
}

/** Nodes sign only the current version (v3). */
export function signReceipt(signer: Signer, receipt: Receipt): Promise<string> {
  return signer.signTypedData(RECEIPT_DOMAINS[RECEIPT_VERSION], receiptTypes(RECEIPT_VERSION), receipt);
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
