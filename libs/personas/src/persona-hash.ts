import canonicalize from 'canonicalize';
import { keccak256, toUtf8Bytes } from 'ethers';
import type { PersonaContent } from './persona-content';

/**
 * keccak256 over the RFC 8785 canonical JSON of a version's content: the same content always gives the same
 * hash, on any machine, and receipts carry it as personaVersionHash (bytes32).
 */
export function hashPersonaContent(content: PersonaContent): string {
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new Error('persona content cannot be canonicalised');
  return keccak256(toUtf8Bytes(canonical));
}
