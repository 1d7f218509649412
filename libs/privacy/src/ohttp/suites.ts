import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import {
  AEAD_AES_128_GCM,
  AEAD_CHACHA20_POLY1305,
  CryptoKey,
  CryptoKeyPair,
  KDF_HKDF_SHA256,
  KEM_X25519_HKDF_SHA256,
} from './constants';
import { OhttpError } from './errors';

export interface SuiteParams {
  suite: CipherSuite;
  kemId: number;
  kdfId: number;
  aeadId: number;
  /** AEAD key length (Nk) and nonce length (Nn), RFC 9180 §7.3. */
  nk: number;
  nn: number;
  /** node:crypto cipher name for the response side (plain AEAD with derived key and nonce). */
  cipher: 'aes-128-gcm' | 'chacha20-poly1305';
}

// One CipherSuite per suite for the process: constructing them per message costs allocations for nothing.
const cache = new Map<string, SuiteParams>();

export function suiteParams(kemId: number, kdfId: number, aeadId: number): SuiteParams {
  const id = `${kemId}:${kdfId}:${aeadId}`;
  const hit = cache.get(id);
  if (hit) return hit;
  if (kemId !== KEM_X25519_HKDF_SHA256 || kdfId !== KDF_HKDF_SHA256) {
    throw new OhttpError('UNSUPPORTED_SUITE', `unsupported KEM 0x${hex4(kemId)} or KDF 0x${hex4(kdfId)}`);
  }
  let params: SuiteParams;
  if (aeadId === AEAD_AES_128_GCM) {
    const suite = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Aes128Gcm(),
    });
    params = { suite, kemId, kdfId, aeadId, nk: 16, nn: 12, cipher: 'aes-128-gcm' };
  } else if (aeadId === AEAD_CHACHA20_POLY1305) {
    const aead = new Chacha20Poly1305();
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead });
    params = { suite, kemId, kdfId, aeadId, nk: 32, nn: 12, cipher: 'chacha20-poly1305' };
  } else {
    throw new OhttpError('UNSUPPORTED_SUITE', `unsupported AEAD 0x${hex4(aeadId)}`);
  }
  cache.set(id, params);
  return params;
}

/**
 * The KEM's key handling (same for every supported suite). @hpke/core types keys with the DOM's CryptoKey, which
 * this project's libs lack (lint sees an unresolved type), so the methods used are restated with Node's types.
 */
export interface X25519Keys {
  importKey(format: 'raw', key: ArrayBuffer, isPublic: boolean): Promise<CryptoKey>;
  generateKeyPair(): Promise<CryptoKeyPair>;
  serializePublicKey(key: CryptoKey): Promise<ArrayBuffer>;
  serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer>;
}

export function x25519Kem(): X25519Keys {
  const { kem } = suiteParams(KEM_X25519_HKDF_SHA256, KDF_HKDF_SHA256, AEAD_AES_128_GCM).suite;
  return kem;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
