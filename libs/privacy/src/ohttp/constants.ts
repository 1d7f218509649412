import type { webcrypto } from 'node:crypto';

export const KEM_X25519_HKDF_SHA256 = 0x0020;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES_128_GCM = 0x0001;
export const AEAD_CHACHA20_POLY1305 = 0x0003;

export const MEDIA = {
  keys: 'application/ohttp-keys',
  request: 'message/ohttp-req',
  response: 'message/ohttp-res',
  chunkedRequest: 'message/ohttp-chunked-req',
  chunkedResponse: 'message/ohttp-chunked-res',
} as const;

/** WebCrypto key types under their Node names (this project's lib has no DOM). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface Suite {
  kdfId: number;
  aeadId: number;
}

export const DEFAULT_SUITES: readonly Suite[] = [
  { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM },
  { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 },
];

/** X25519 public keys and encapsulated keys (Npk = Nenc). */
export const X25519_KEY_LENGTH = 32;

/** RFC 9458 §4.3 / §4.4 and draft-ietf-ohai-chunked-ohttp §6 labels. */
export const LABEL = {
  request: 'message/bhttp request',
  response: 'message/bhttp response',
  chunkedRequest: 'message/bhttp chunked request',
  chunkedResponse: 'message/bhttp chunked response',
} as const;
