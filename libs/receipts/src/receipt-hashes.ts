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

/** Unsalted for v1, salted for v2; throws for a v2 receipt without a valid salt, or input JSON cannot canonicalize. */
export function contentHashes(
  version: ReceiptVersion,
  content: { output: string; input: unknown; salt: string | null | undefined },
): { outputHash: string; inputHash: string } {
  if (version === 1) return { outputHash: hashText(content.output), inputHash: hashInput(content.input) };
  const salt = content.salt;
  if (!isReceiptSalt(salt)) throw new TypeError('A v2 receipt needs its 32-byte salt.');
  return { outputHash: commitText(salt, content.output), inputHash: commitInput(salt, content.input) };
}
