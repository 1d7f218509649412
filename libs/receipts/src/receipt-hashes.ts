import canonicalize from 'canonicalize';
import { concat, getBytes, hexlify, isHexString, keccak256, toUtf8Bytes } from 'ethers';
import { randomBytes } from 'node:crypto';
import type { ReceiptVersion } from './receipt.spec-types';

const SALT_BYTES = 32;

/** keccak256 of the UTF-8 bytes of a text: a v1 receipt's outputHash of the reply exactly as delivered. */
export function hashText(text: string): string {
  return keccak256(toUtf8Bytes(text));
}

function canonicalInput(messages: unknown): string {
  const canonical = canonicalize(messages);
  if (canonical === undefined) throw new TypeError('The model input cannot be canonicalized.');
  return canonical;
}

/** A v1 receipt's inputHash: keccak256 of the RFC 8785 canonical JSON of the exact message list sent to the model. */
export function hashInput(messages: unknown): string {
  return hashText(canonicalInput(messages));
}

/** A fresh per-inference salt (0x-hex, 32 bytes): without it, a v2 receipt's hashes reveal nothing guessable. */
export function newReceiptSalt(): string {
  return hexlify(randomBytes(SALT_BYTES));
}

export function isReceiptSalt(salt: unknown): salt is string {
  return typeof salt === 'string' && isHexString(salt, SALT_BYTES);
}

/** keccak256(salt ‖ UTF-8 of text): a v2 receipt's outputHash. */
export function commitText(salt: string, text: string): string {
  if (!isReceiptSalt(salt)) throw new TypeError('The salt must be 32 bytes of 0x-hex.');
  return keccak256(concat([getBytes(salt), toUtf8Bytes(text)]));
}

/** keccak256(salt ‖ UTF-8 of the RFC 8785 canonical input): a v2 receipt's inputHash. */
export function commitInput(salt: string, messages: unknown): string {
  return commitText(salt, canonicalInput(messages));
}

/** Unsalted for v1, salted for v2 and v3; throws for a salted receipt without a valid salt, or input that cannot canonicalize. */
export function contentHashes(
  version: ReceiptVersion,
  content: { output: string; input: unknown; salt: string | null | undefined },
): { outputHash: string; inputHash: string } {
  if (version === 1) return { outputHash: hashText(content.output), inputHash: hashInput(content.input) };
  const salt = content.salt;
  if (!isReceiptSalt(salt)) throw new TypeError(`A v${version} receipt needs its 32-byte salt.`);
  return { outputHash: commitText(salt, content.output), inputHash: commitInput(salt, content.input) };
}

/** The length of a text in UTF-8 bytes: how a takeover's prefix is measured (InferenceRecord.prefixBytes). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text's first `bytes` UTF-8 bytes, as text: a takeover's delivered prefix, recovered from the whole reply.
 * Null when `bytes` is not a whole number from 1 to the text's length, or cuts a character in two: no prefix a node
 * streamed can end there.
 */
export function utf8Prefix(text: string, bytes: unknown): string | null {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1) return null;
  const encoded = toUtf8Bytes(text);
  if (bytes > encoded.length) return null;
  try {
    return strictUtf8.decode(encoded.subarray(0, bytes));
  } catch {
    return null;
  }
}
