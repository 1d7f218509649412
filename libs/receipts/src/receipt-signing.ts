import { Signer, TypedDataEncoder, verifyTypedData } from 'ethers';
import {
  Receipt,
  RECEIPT_DOMAIN,
  RECEIPT_DOMAINS,
  RECEIPT_TYPES,
  RECEIPT_VERSION,
} from './receipt.spec-types';
import type { ReceiptVersion } from './receipt.spec-types';

/** The receipt's EIP-712 digest: the Merkle leaf, and the next receipt's previousDigest. */
export function receiptDigest(receipt: Receipt, version: ReceiptVersion = RECEIPT_VERSION): string {
  return TypedDataEncoder.hash(RECEIPT_DOMAINS[version], RECEIPT_TYPES, receipt);
}

export function signReceipt(signer: Signer, receipt: Receipt): Promise<string> {
  return signer.signTypedData(RECEIPT_DOMAIN, RECEIPT_TYPES, receipt);
}

export function recoverReceiptSigner(
  receipt: Receipt,
  signature: string,
  version: ReceiptVersion = RECEIPT_VERSION,
): string | null {
  try {
    return verifyTypedData(RECEIPT_DOMAINS[version], RECEIPT_TYPES, receipt, signature);
  } catch {
    return null;
  }
}
