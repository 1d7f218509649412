import { Signer, TypedDataEncoder, verifyTypedData } from 'ethers';
import { Receipt, RECEIPT_DOMAIN, RECEIPT_TYPES } from './receipt.spec-types';

/** The receipt's EIP-712 digest: the Merkle leaf, and the next receipt's previousDigest. */
export function receiptDigest(receipt: Receipt): string {
  return TypedDataEncoder.hash(RECEIPT_DOMAIN, RECEIPT_TYPES, receipt);
}

export function signReceipt(signer: Signer, receipt: Receipt): Promise<string> {
  return signer.signTypedData(RECEIPT_DOMAIN, RECEIPT_TYPES, receipt);
}

/** The address that signed the receipt, or null when the signature is malformed. */
export function recoverReceiptSigner(receipt: Receipt, signature: string): string | null {
  try {
    return verifyTypedData(RECEIPT_DOMAIN, RECEIPT_TYPES, receipt, signature);
  } catch {
    return null;
  }
}
