import canonicalize from 'canonicalize';
import { keccak256, toUtf8Bytes } from 'ethers';
import type { PersonaContent } from './persona-content';

/** keccak256 of RFC 8785 canonical JSON, the same on any machine; receipts carry it as personaVersionHash (bytes32). */
export function hashPersonaContent(content: PersonaContent): string {
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new Error('persona content cannot be canonicalised');
  return keccak256(toUtf8Bytes(canonical));
}
