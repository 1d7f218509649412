// RSABSSA-SHA384-PSS-Deterministic (RFC 9474 §4 and §5): the blind RSA signatures behind Privacy Pass token type 2.
// The RSA operations run in OpenSSL through node:crypto; only EMSA-PSS encoding (RFC 8017 §9.1.1) and the blinding
// arithmetic (a product and an inverse mod n) are BigInt here.
import {
  constants,
  createHash,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify as cryptoVerify,
} from 'node:crypto';

export const HASH = 'sha384';
export const HASH_LENGTH = 48;
/** sLen of the PSS variant (the PSSZERO variants use 0; token type 2 uses this one). */
export const SALT_LENGTH = 48;

export class BlindRsaError extends Error {
  constructor(
    readonly reason:
      | 'message too long'
      | 'invalid blind'
      | 'signing failure'
      | 'message representative out of range'
      | 'unexpected input size'
      | 'invalid signature'
      | 'unsupported key',
  ) {
    super(`blind RSA: ${reason}`);
    this.name = 'BlindRsaError';
  }
}

export interface RsaPublicNumbers {
  n: bigint;
  e: bigint;
  /** Bytes of the modulus (kLen). */
  kLen: number;
  /** Bits of the modulus. */
  modBits: number;
}

/** The blinding randomness, injectable so published vectors can be reproduced; omitted: drawn fresh. */
export interface BlindOptions {
  salt?: Uint8Array;
  /** The blind r; or give its inverse `inv` (what RFC 9474's vectors list). */
  r?: bigint;
  inv?: bigint;
}

export interface BlindResult {
  blindedMsg: Uint8Array;
  inv: bigint;
}

const numbersCache = new WeakMap<KeyObject, RsaPublicNumbers>();

export function publicNumbers(key: KeyObject): RsaPublicNumbers {
  const cached = numbersCache.get(key);
  if (cached) return cached;
  if (key.asymmetricKeyType !== 'rsa') throw new BlindRsaError('unsupported key');
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new BlindRsaError('unsupported key');
  const n = bytesToInt(Buffer.from(jwk.n, 'base64url'));
  const e = bytesToInt(Buffer.from(jwk.e, 'base64url'));
  const modBits = n.toString(2).length;
  const numbers = { n, e, modBits, kLen: Math.ceil(modBits / 8) };
  numbersCache.set(key, numbers);
  return numbers;
}

/** RFC 8017 §9.1.1 with SHA-384 and MGF1-SHA-384. */
export function emsaPssEncode(msg: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const emLen = Math.ceil(emBits / 8);
  const mHash = createHash(HASH).update(msg).digest();
  if (emLen < HASH_LENGTH + salt.length + 2) throw new BlindRsaError('message too long');
  const mPrime = Buffer.concat([Buffer.alloc(8), mHash, salt]);
  const h = createHash(HASH).update(mPrime).digest();
  const db = Buffer.alloc(emLen - HASH_LENGTH - 1);
  db[emLen - salt.length - HASH_LENGTH - 2] = 0x01;
  Buffer.from(salt).copy(db, db.length - salt.length);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

function mgf1(seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0; blocks.length * HASH_LENGTH < length; i++) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(HASH).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RFC 9474 §4.2 Blind, with PrepareIdentity (the Deterministic variants): the message is signed as it is. */
export function blind(publicKey: KeyObject, msg: Uint8Array, options: BlindOptions = {}): BlindResult {
  const { n, kLen, modBits } = publicNumbers(publicKey);
  const salt = options.salt ?? randomBytes(SALT_LENGTH);
  if (salt.length !== SALT_LENGTH) throw new BlindRsaError('unexpected input size');
  const m = bytesToInt(emsaPssEncode(msg, modBits - 1, salt));
  let r: bigint;
  let inv: bigint;
  if (options.r !== undefined) {
    r = options.r;
    inv = inverseMod(r, n);
  } else if (options.inv !== undefined) {
    inv = options.inv;
    r = inverseMod(inv, n);
  } else {
    r = randomBelow(n);
    inv = inverseMod(r, n);
  }
  const x = bytesToInt(rsaPublic(publicKey, intToBytes(r, kLen)));
  return { blindedMsg: intToBytes((m * x) % n, kLen), inv };
}

/**
 * RFC 9474 §4.3 BlindSign: RSASP1 on the blinded message, then RSAVP1 of the result must give the input back, so a
 * fault in the private operation (which could leak the key) never leaves the signer.
 */
export function blindSign(privateKey: KeyObject, blindedMsg: Uint8Array): Uint8Array {
  const publicKey = derivePublic(privateKey);
  const { n, kLen } = publicNumbers(publicKey);
  if (blindedMsg.length !== kLen) throw new BlindRsaError('unexpected input size');
  if (bytesToInt(blindedMsg) >= n) throw new BlindRsaError('message representative out of range');
  let s: Buffer;
  try {
    s = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, blindedMsg);
  } catch {
    throw new BlindRsaError('signing failure');
  }
  const check = rsaPublic(publicKey, s);
  if (!check.equals(blindedMsg)) throw new BlindRsaError('signing failure');
  return s;
}

/** RFC 9474 §4.4 Finalize: unblind, then check the result is a valid RSASSA-PSS signature of msg. */
export function finalize(
  publicKey: KeyObject,
  msg: Uint8Array,
  blindSig: Uint8Array,
  inv: bigint,
): Uint8Array {
  const { n, kLen } = publicNumbers(publicKey);
  if (blindSig.length !== kLen) throw new BlindRsaError('unexpected input size');
  const z = bytesToInt(blindSig);
  if (z >= n) throw new BlindRsaError('invalid signature');
  const sig = intToBytes((z * inv) % n, kLen);
  if (!verify(publicKey, msg, sig)) throw new BlindRsaError('invalid signature');
  return sig;
}

/** RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with SHA-384, MGF1-SHA-384 and a 48-byte salt, in OpenSSL. */
export function verify(publicKey: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return cryptoVerify(
      HASH,
      msg,
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH },
      sig,
    );
  } catch {
    return false;
  }
}

const publicCache = new WeakMap<KeyObject, KeyObject>();

function derivePublic(privateKey: KeyObject): KeyObject {
  let publicKey = publicCache.get(privateKey);
  if (!publicKey) {
    publicKey = createPublicKey(privateKey);
    publicCache.set(privateKey, publicKey);
  }
  return publicKey;
}

/** RSAVP1 / RSAEP (x^e mod n) natively: OpenSSL's raw public operation. */
function rsaPublic(publicKey: KeyObject, input: Uint8Array): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, input);
}

/** Uniform in [1, n) by rejection sampling (RFC 9474 §4.2), with an inverse mod n. */
function randomBelow(n: bigint): bigint {
  const bits = n.toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const excess = BigInt(bytes * 8 - bits);
  for (;;) {
    const candidate = bytesToInt(randomBytes(bytes)) >> excess;
    if (candidate > 0n && candidate < n) return candidate;
  }
}

export function inverseMod(a: bigint, n: bigint): bigint {
  let [oldR, r] = [((a % n) + n) % n, n];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new BlindRsaError('invalid blind');
  return ((oldS % n) + n) % n;
}

export function bytesToInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

export function intToBytes(value: bigint, length: number): Buffer {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new BlindRsaError('message representative out of range');
  return Buffer.from(hex, 'hex');
}
