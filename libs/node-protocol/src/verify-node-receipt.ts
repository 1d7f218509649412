import type { ChatMessage } from '@app/inference/chat-message';
import { estimateTokens } from '@app/inference/model-provider';
import type { Continuation, NodeReceipt, ReceiptContext } from '@app/network/inference-node';
import { countPromptTokens } from '@app/prompt/token-budget';
import { commitInput, commitText, isReceiptSalt } from '@app/receipts/receipt-hashes';
import { receiptDigest } from '@app/receipts/receipt-signing';
import { ZERO_ADDRESS, ZERO_DIGEST } from '@app/receipts/receipt.spec-types';
import { recoverDigestSigner } from '@app/receipts/secp256k1';
import { sameAddress } from './messages';

/** A node's receipt that does not match what the api asked for and received: the reply must not be stored. */
export class NodeReceiptError extends Error {
  constructor(readonly reason: string) {
    super(`The node's receipt is invalid: ${reason}`);
    this.name = new.target.name;
  }
}

export interface ExpectedReceipt {
  /** The node's registered address. */
  nodeAddress: string;
  context: ReceiptContext;
  modelId: string;
  /** Exactly the messages the api sent. */
  messages: ChatMessage[];
  /** Exactly the text the api delivered: on a takeover, the prefix the failed node streamed, then this node's. */
  text: string;
  /** A takeover: what the router gave the finishing node; its v3 receipt must commit to exactly that. */
  continuation?: Continuation;
}

function recoverSigner(digest: string, signature: string): string {
  return recoverDigestSigner(digest, signature) ?? '';
}

function sameHex(a: string, b: string): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Throws NodeReceiptError on the first check that fails (docs/network.md, "Chat"). */
export function verifyNodeReceipt(signed: NodeReceipt, expected: ExpectedReceipt): void {
  const { receipt, salt } = signed;
  const fail = (reason: string): never => {
    throw new NodeReceiptError(reason);
  };
  if (!sameAddress(signed.signer, expected.nodeAddress) || !sameAddress(receipt.node, expected.nodeAddress))
    fail(`it names ${receipt.node}, not the node's registered address ${expected.nodeAddress}`);
  // The digest is what was signed: hashed once, for both checks (EIP-712 hashing costs as much as the recovery).
  // It throws for a receipt that is not v3 (no prefix fields) or has a malformed field.
  let digest = '';
  try {
    digest = receiptDigest(receipt);
  } catch (error) {
    fail(`it is no well-formed v3 receipt (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!sameAddress(recoverSigner(digest, signed.signature), expected.nodeAddress))
    fail('its signature does not recover to the node');
  if (!sameHex(signed.digest, digest)) fail('its digest is not the digest of its receipt');
  const { inferenceId, conversationId, previousDigest, personaVersionHash } = expected.context;
  if (receipt.inferenceId !== inferenceId) fail('inferenceId differs from the one sent');
  if (receipt.conversationId !== conversationId) fail('conversationId differs from the one sent');
  if (!sameHex(receipt.previousDigest, previousDigest)) fail('previousDigest differs from the one sent');
  if (!sameHex(receipt.personaVersionHash, personaVersionHash))
    fail('personaVersionHash differs from the one sent');
  if (receipt.modelId !== expected.modelId) fail('modelId differs from the one asked for');
  if (!isReceiptSalt(salt)) fail('its salt is not 32 bytes of hex');
  if (!sameHex(receipt.inputHash, commitInput(salt, expected.messages)))
    fail('inputHash does not commit to the messages sent');
  if (!sameHex(receipt.outputHash, commitText(salt, expected.text)))
    fail('outputHash does not commit to the text received');
  const { continuation } = expected;
  if (!continuation) {
    // A node claiming a takeover that did not happen would have its receipt name another node's work.
    if (!sameHex(receipt.prefixNode, ZERO_ADDRESS) || !sameHex(receipt.prefixHash, ZERO_DIGEST))
      fail('it claims a takeover, but the node was given no prefix');
  } else {
    if (!sameAddress(receipt.prefixNode, continuation.prefixNode))
      fail('prefixNode is not the node whose reply it was given to continue');
    if (!sameHex(receipt.prefixHash, commitText(salt, continuation.prefix)))
      fail('prefixHash does not commit to the prefix it was given');
  }
  if (receipt.promptTokens !== countPromptTokens(expected.messages))
    fail('promptTokens is not the count of the messages sent');
  if (receipt.completionTokens !== estimateTokens(expected.text))
    fail(
      'completionTokens is not the count of the text received (the whole reply, a takeover’s prefix included)',
    );
  if (!(receipt.startedAt <= receipt.finishedAt)) fail('it finished before it started');
}
