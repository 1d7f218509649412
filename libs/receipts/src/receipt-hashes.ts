import canonicalize from 'canonicalize';
import { keccak256, toUtf8Bytes } from 'ethers';

/** keccak256 of the UTF-8 bytes of a text: the receipt's outputHash of the reply exactly as delivered. */
export function hashText(text: string): string {
  return keccak256(toUtf8Bytes(text));
}

/** The receipt's inputHash: keccak256 of the RFC 8785 canonical JSON of the exact message list sent to the model. */
export function hashInput(messages: unknown): string {
  const canonical = canonicalize(messages);
  if (canonical === undefined) throw new TypeError('The model input cannot be canonicalized.');
  return hashText(canonical);
}
