import { webcrypto } from 'node:crypto';
import { concat, own } from './bytes';
import { CryptoKey, DEFAULT_SUITES, KEM_X25519_HKDF_SHA256, Suite, X25519_KEY_LENGTH } from './constants';
import { OhttpError } from './errors';
import { x25519Kem } from './suites';

export interface KeyConfig {
  keyId: number;
  kemId: number;
  publicKey: Uint8Array;
  suites: Suite[];
}

export interface GatewayKey {
  config: KeyConfig;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** RFC 9458 §3.1: key_id(8) kem_id(16) public_key(Npk) suites_length(16) {kdf_id(16) aead_id(16)}... */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  if (!Number.isInteger(config.keyId) || config.keyId < 0 || config.keyId > 0xff) {
    throw new OhttpError('KEY_CONFIG_INVALID', 'key id must fit one byte');
  }
  if (config.kemId !== KEM_X25519_HKDF_SHA256 || config.publicKey.length !== X25519_KEY_LENGTH) {
    throw new OhttpError('KEY_CONFIG_INVALID', 'only X25519 keys of 32 bytes are supported');
  }
  if (config.suites.length === 0 || config.suites.length > 0x3fff) {
    throw new OhttpError('KEY_CONFIG_INVALID', 'a key configuration needs 1 to 16383 suites');
  }
  const head = new Uint8Array(3);
  head[0] = config.keyId;
  new DataView(head.buffer).setUint16(1, config.kemId);
  const tail = new Uint8Array(2 + 4 * config.suites.length);
  const view = new DataView(tail.buffer);
  view.setUint16(0, 4 * config.suites.length);
  config.suites.forEach((s, i) => {
    view.setUint16(2 + 4 * i, s.kdfId);
    view.setUint16(4 + 4 * i, s.aeadId);
  });
  return concat(head, config.publicKey, tail);
}

/** application/ohttp-keys (RFC 9458 §3.2): each configuration preceded by its 2-byte length. */
export function encodeKeyConfigs(configs: KeyConfig[]): Uint8Array {
  return concat(
    ...configs.flatMap((c) => {
      const body = encodeKeyConfig(c);
      const length = new Uint8Array(2);
      new DataView(length.buffer).setUint16(0, body.length);
      return [length, body];
    }),
  );
}

/** One configuration (§3.1) that must fill `bytes` exactly. */
export function parseKeyConfig(bytes: Uint8Array): KeyConfig {
  const { config, next } = readKeyConfig(bytes, 0);
  if (next !== bytes.length) throw invalid('trailing bytes after the key configuration');
  return config;
}

/**
 * application/ohttp-keys. Strict: an unknown KEM is an error rather than skipped, because its public key length
 * is unknown to us and our gateways only publish X25519, so such a list is not from a gateway we can talk to.
 */
export function parseKeyConfigs(body: Uint8Array): KeyConfig[] {
  const configs: KeyConfig[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 2 > body.length) throw invalid('truncated length prefix');
    const length = (body[at] << 8) | body[at + 1];
    const end = at + 2 + length;
    if (length === 0 || end > body.length) throw invalid('bad key configuration length');
    configs.push(parseKeyConfig(body.subarray(at + 2, end)));
    at = end;
  }
  if (configs.length === 0) throw invalid('no key configuration');
  return configs;
}

function readKeyConfig(bytes: Uint8Array, at: number): { config: KeyConfig; next: number } {
  if (at + 3 > bytes.length) throw invalid('truncated key configuration header');
  const keyId = bytes[at];
  const kemId = (bytes[at + 1] << 8) | bytes[at + 2];
  if (kemId !== KEM_X25519_HKDF_SHA256) throw invalid(`unknown KEM 0x${kemId.toString(16).padStart(4, '0')}`);
  let p = at + 3;
  if (p + X25519_KEY_LENGTH + 2 > bytes.length) throw invalid('truncated public key');
  const publicKey = bytes.slice(p, p + X25519_KEY_LENGTH);
  p += X25519_KEY_LENGTH;
  const suitesLength = (bytes[p] << 8) | bytes[p + 1];
  p += 2;
  if (suitesLength === 0 || suitesLength % 4 !== 0) throw invalid('bad cipher suites length');
  if (p + suitesLength > bytes.length) throw invalid('truncated cipher suites');
  const suites: Suite[] = [];
  for (let end = p + suitesLength; p < end; p += 4) {
    suites.push({ kdfId: (bytes[p] << 8) | bytes[p + 1], aeadId: (bytes[p + 2] << 8) | bytes[p + 3] });
  }
  return { config: { keyId, kemId, publicKey, suites }, next: p };
}

export async function generateGatewayKey(
  keyId: number,
  suites: readonly Suite[] = DEFAULT_SUITES,
): Promise<GatewayKey> {
  const kem = x25519Kem();
  const pair = await kem.generateKeyPair();
  const publicKey = new Uint8Array(await kem.serializePublicKey(pair.publicKey));
  const config: KeyConfig = { keyId, kemId: KEM_X25519_HKDF_SHA256, publicKey, suites: [...suites] };
  encodeKeyConfig(config); // validates keyId and suites before anyone publishes them
  return { config, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export async function importGatewayKey(
  keyId: number,
  privateKeyRaw: Uint8Array,
  suites: readonly Suite[] = DEFAULT_SUITES,
): Promise<GatewayKey> {
  if (privateKeyRaw.length !== X25519_KEY_LENGTH) throw invalid('an X25519 private key is 32 bytes');
  const kem = x25519Kem();
  const privateKey = await kem.importKey('raw', own(privateKeyRaw).buffer, false);
  // The KEM imports only the private half; WebCrypto's JWK export of it carries the public point (x).
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  if (!jwk.x) throw invalid('could not derive the public key');
  const publicRaw = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  const publicKey = await kem.importKey('raw', own(publicRaw).buffer, true);
  const config: KeyConfig = {
    keyId,
    kemId: KEM_X25519_HKDF_SHA256,
    publicKey: publicRaw,
    suites: [...suites],
  };
  encodeKeyConfig(config);
  return { config, privateKey, publicKey };
}

/** The 32 raw bytes to persist a gateway key and give back to importGatewayKey later. */
export async function exportGatewayPrivateKey(key: GatewayKey): Promise<Uint8Array> {
  return new Uint8Array(await x25519Kem().serializePrivateKey(key.privateKey));
}

function invalid(message: string): OhttpError {
  return new OhttpError('KEY_CONFIG_INVALID', message);
}
