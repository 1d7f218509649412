import { getAddress } from 'ethers';
import { commitText } from './receipt-hashes';
import { NO_PREFIX } from './receipt.spec-types';
import type { Receipt } from './receipt.spec-types';

/** What a finishing node is told of a reply it takes over (libs/network's Continuation, without the import). */
export interface PrefixSource {
  /** Exactly the text the client has received so far. */
  prefix: string;
  /** The signing address of the node that streamed it and failed. */
  prefixNode: string;
}

/**
 * A v3 receipt's prefix fields: zero for a reply one node made; on a takeover, the node that streamed the prefix and
 * commitText(salt, prefix) with the same salt as outputHash, so the prefix is proven part of the committed whole.
 */
export function prefixFields(
  salt: string,
  continuation: PrefixSource | undefined,
): Pick<Receipt, 'prefixNode' | 'prefixHash'> {
  if (!continuation) return { ...NO_PREFIX };
  return {
    prefixNode: getAddress(continuation.prefixNode),
    prefixHash: commitText(salt, continuation.prefix),
  };
}

/** The text a receipt's outputHash and completionTokens cover: the delivered prefix, then what this node streamed. */
export const deliveredText = (continuation: PrefixSource | undefined, streamed: string): string =>
  (continuation?.prefix ?? '') + streamed;
