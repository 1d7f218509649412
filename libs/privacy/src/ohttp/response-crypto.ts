import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { concat, utf8 } from './bytes';
import { OhttpError } from './errors';
import { SuiteParams } from './suites';

const TAG_LENGTH = 16;
export const FINAL_AAD = utf8('final');
const EMPTY = new Uint8Array(0);

/** The part of an HPKE context the response side needs (sender and recipient contexts both have it). */
export interface Exporter {
  export(exporterContext: Uint8Array, length: number): Promise<ArrayBuffer>;
}

export interface ResponseKeys {
  params: SuiteParams;
  key: Uint8Array;
  nonce: Uint8Array;
}

export const responseNonceLength = (params: SuiteParams): number => Math.max(params.nn, params.nk);

/**
 * RFC 9458 §4.4 (and the chunked draft with its own label): secret = Export(label, max(Nn, Nk)),
 * prk = Extract(enc || response_nonce, secret), key = Expand(prk, "key", Nk), nonce = Expand(prk, "nonce", Nn).
 * Plain HKDF, not HPKE's labeled variant, so it is done here with HMAC-SHA256 (the only KDF we accept).
 */
export async function deriveResponseKeys(
  context: Exporter,
  params: SuiteParams,
  label: string,
  enc: Uint8Array,
  responseNonce: Uint8Array,
): Promise<ResponseKeys> {
  const secret = new Uint8Array(await context.export(utf8(label), responseNonceLength(params)));
  const prk = hmac(concat(enc, responseNonce), secret);
  return { params, key: expand(prk, 'key', params.nk), nonce: expand(prk, 'nonce', params.nn) };
}

export function aeadSeal(
  keys: ResponseKeys,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher =
    keys.params.cipher === 'aes-128-gcm'
      ? createCipheriv('aes-128-gcm', keys.key, nonce, { authTagLength: TAG_LENGTH })
      : createCipheriv('chacha20-poly1305', keys.key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  return concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
}

export function aeadOpen(
  keys: ResponseKeys,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  if (sealed.length < TAG_LENGTH) throw new OhttpError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
  try {
    const decipher =
      keys.params.cipher === 'aes-128-gcm'
        ? createDecipheriv('aes-128-gcm', keys.key, nonce, { authTagLength: TAG_LENGTH })
        : createDecipheriv('chacha20-poly1305', keys.key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    return concat(decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final());
  } catch {
    throw new OhttpError('DECRYPT_FAILED', 'the response could not be decrypted');
  }
}

/** chunk_nonce = aead_nonce XOR encode(Nn, counter) (chunked draft §6.2). */
export function chunkNonce(base: Uint8Array, counter: number): Uint8Array {
  const out = new Uint8Array(base);
  let c = counter;
  for (let i = out.length - 1; i >= 0 && c > 0; i--) {
    out[i] ^= c % 256;
    c = Math.floor(c / 256);
  }
  return out;
}

export const aadFor = (final: boolean): Uint8Array => (final ? FINAL_AAD : EMPTY);

function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** HKDF-Expand for L <= HashLen (one block is all Nk/Nn ever need). */
function expand(prk: Uint8Array, info: string, length: number): Uint8Array {
  return hmac(prk, concat(utf8(info), Uint8Array.of(1))).slice(0, length);
}
