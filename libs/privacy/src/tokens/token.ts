// Privacy Pass wire formats for token type 0x0002 (Blind RSA, 2048-bit): TokenChallenge and the PrivateToken
// authentication scheme (RFC 9577 §2), TokenRequest / TokenResponse / Token and token_key_id (RFC 9578 §6).
// Written on node:crypto rather than @cloudflare/privacypass-ts: that library is ESM-only, and this CommonJS codebase
// on Node 20 cannot require() an ES module.
import { createHash, createPublicKey, KeyObject } from 'node:crypto';

export const TOKEN_TYPE_BLIND_RSA = 0x0002;
/** Nk of token type 2: the byte length of a blinded message, a blind signature and an authenticator. */
export const NK = 256;
export const NONCE_LENGTH = 32;
export const DIGEST_LENGTH = 32;
export const TOKEN_LENGTH = 2 + NONCE_LENGTH + DIGEST_LENGTH + 32 + NK;
export const TOKEN_REQUEST_LENGTH = 2 + 1 + NK;
/** The part of a Token the authenticator signs: token_type, nonce, challenge_digest, token_key_id. */
export const AUTHENTICATOR_INPUT_LENGTH = TOKEN_LENGTH - NK;
export const AUTH_SCHEME = 'PrivateToken';

export class TokenFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFormatError';
  }
}

export interface TokenChallenge {
  tokenType: number;
  issuerName: string;
  /** Empty, or 32 bytes (RFC 9577 §2.1.1). */
  redemptionContext: Uint8Array;
  /** Origin names joined by ",", or empty. */
  originInfo: string;
}

export function encodeChallenge(challenge: TokenChallenge): Uint8Array {
  const issuer = Buffer.from(challenge.issuerName, 'utf8');
  const origin = Buffer.from(challenge.originInfo, 'utf8');
  const context = Buffer.from(challenge.redemptionContext);
  if (issuer.length < 1 || issuer.length > 0xffff)
    throw new TokenFormatError('issuer_name must be 1–65535 bytes');
  if (context.length !== 0 && context.length !== 32)
    throw new TokenFormatError('redemption_context must be empty or 32 bytes');
  if (origin.length > 0xffff) throw new TokenFormatError('origin_info must be at most 65535 bytes');
  const out = Buffer.alloc(2 + 2 + issuer.length + 1 + context.length + 2 + origin.length);
  let at = out.writeUInt16BE(challenge.tokenType, 0);
  at = out.writeUInt16BE(issuer.length, at);
  at += issuer.copy(out, at);
  at = out.writeUInt8(context.length, at);
  at += context.copy(out, at);
  at = out.writeUInt16BE(origin.length, at);
  origin.copy(out, at);
  return out;
}

/** The challenge this platform's api accepts: type 2 from the named issuer, no redemption context, any origin. */
export function defaultChallenge(issuerName: string): Uint8Array {
  return encodeChallenge({
    tokenType: TOKEN_TYPE_BLIND_RSA,
    issuerName,
    redemptionContext: new Uint8Array(0),
    originInfo: '',
  });
}

export function challengeDigest(challenge: Uint8Array): Buffer {
  return createHash('sha256').update(challenge).digest();
}

// RFC 9578 §6.5: the SPKI carries the RSASSA-PSS OID (RFC 5756) with its parameters: SHA-384, MGF1 with SHA-384,
// a 48-byte salt; the hash AlgorithmIdentifiers have absent (not NULL) parameters. This is the DER of that
// AlgorithmIdentifier, byte for byte as in the pkS of RFC 9578 Appendix A.2.
const RSASSA_PSS_SHA384_ALGORITHM = Buffer.from(
  '303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b0609608648016503040202a203020130',
  'hex',
);

/** The issuer key as the SubjectPublicKeyInfo whose SHA-256 is token_key_id (and the directory's token-key). */
export function issuerSpki(publicKey: KeyObject): Buffer {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'rsa') throw new TokenFormatError('the issuer key must be an RSA key');
  const rsaPublicKey = key.export({ format: 'der', type: 'pkcs1' });
  const bitString = derTlv(0x03, Buffer.concat([Buffer.from([0]), rsaPublicKey]));
  return derTlv(0x30, Buffer.concat([RSASSA_PSS_SHA384_ALGORITHM, bitString]));
}

/** The RSA public key inside an issuer SPKI; only the RSASSA-PSS SHA-384 form of RFC 9578 §6.5 is accepted. */
export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const bytes = Buffer.from(spki);
  const outer = readTlv(bytes, 0, 0x30);
  if (outer.end !== bytes.length) throw new TokenFormatError('trailing bytes after the SPKI');
  const algorithmEnd = outer.start + RSASSA_PSS_SHA384_ALGORITHM.length;
  if (!bytes.subarray(outer.start, algorithmEnd).equals(RSASSA_PSS_SHA384_ALGORITHM))
    throw new TokenFormatError('the SPKI is not RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt');
  const bitString = readTlv(bytes, algorithmEnd, 0x03);
  if (bitString.end !== outer.end || bytes[bitString.start] !== 0)
    throw new TokenFormatError('malformed SPKI public key');
  try {
    return createPublicKey({
      key: bytes.subarray(bitString.start + 1, bitString.end),
      format: 'der',
      type: 'pkcs1',
    });
  } catch {
    throw new TokenFormatError('malformed RSA public key');
  }
}

export function tokenKeyId(spki: Uint8Array): Buffer {
  return createHash('sha256').update(spki).digest();
}

export interface TokenRequest {
  tokenType: number;
  truncatedTokenKeyId: number;
  blindedMsg: Uint8Array;
}

export function encodeTokenRequest(request: TokenRequest): Uint8Array {
  if (request.blindedMsg.length !== NK) throw new TokenFormatError(`blinded_msg must be ${NK} bytes`);
  const out = Buffer.alloc(TOKEN_REQUEST_LENGTH);
  out.writeUInt16BE(request.tokenType, 0);
  out.writeUInt8(request.truncatedTokenKeyId, 2);
  Buffer.from(request.blindedMsg).copy(out, 3);
  return out;
}

export function decodeTokenRequest(bytes: Uint8Array): TokenRequest {
  if (bytes.length !== TOKEN_REQUEST_LENGTH)
    throw new TokenFormatError(`a TokenRequest is ${TOKEN_REQUEST_LENGTH} bytes, got ${bytes.length}`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    tokenType: buffer.readUInt16BE(0),
    truncatedTokenKeyId: buffer[2],
    blindedMsg: buffer.subarray(3),
  };
}

/** TokenResponse is blind_sig[Nk] and nothing else. */
export function decodeTokenResponse(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== NK) throw new TokenFormatError(`a TokenResponse is ${NK} bytes, got ${bytes.length}`);
  return bytes;
}

export interface Token {
  tokenType: number;
  nonce: Uint8Array;
  challengeDigest: Uint8Array;
  tokenKeyId: Uint8Array;
  authenticator: Uint8Array;
}

export function encodeToken(token: Token): Uint8Array {
  if (token.nonce.length !== NONCE_LENGTH) throw new TokenFormatError('nonce must be 32 bytes');
  if (token.challengeDigest.length !== DIGEST_LENGTH)
    throw new TokenFormatError('challenge_digest must be 32 bytes');
  if (token.tokenKeyId.length !== 32) throw new TokenFormatError('token_key_id must be 32 bytes');
  if (token.authenticator.length !== NK) throw new TokenFormatError(`authenticator must be ${NK} bytes`);
  const out = Buffer.alloc(TOKEN_LENGTH);
  out.writeUInt16BE(token.tokenType, 0);
  Buffer.concat([token.nonce, token.challengeDigest, token.tokenKeyId, token.authenticator]).copy(out, 2);
  return out;
}

/** Only type 2 tokens have a known length; anything else is refused here, before any RSA work. */
export function decodeToken(bytes: Uint8Array): Token {
  if (bytes.length !== TOKEN_LENGTH)
    throw new TokenFormatError(`a type 2 Token is ${TOKEN_LENGTH} bytes, got ${bytes.length}`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tokenType = buffer.readUInt16BE(0);
  if (tokenType !== TOKEN_TYPE_BLIND_RSA) throw new TokenFormatError(`unsupported token type ${tokenType}`);
  return {
    tokenType,
    nonce: buffer.subarray(2, 34),
    challengeDigest: buffer.subarray(34, 66),
    tokenKeyId: buffer.subarray(66, 98),
    authenticator: buffer.subarray(98),
  };
}

/** `PrivateToken token="<base64url>"` (RFC 9577 §2.2). A type 2 token is 354 bytes: 472 characters, no padding. */
export function formatAuthorization(token: Uint8Array): string {
  return `${AUTH_SCHEME} token="${Buffer.from(token).toString('base64url')}"`;
}

// Longer than any header carrying one type 2 token with generous spacing; refused before any parsing.
const MAX_HEADER_LENGTH = 1024;
const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * The token bytes of an `Authorization: PrivateToken token=...` header (RFC 9577 §2.2, RFC 9110 §11.4
 * auth-params): the scheme is case-insensitive, spaces and tabs around "=" and "," are allowed, the value may be
 * quoted or bare; other parameters are ignored, a repeated `token` is refused. Throws TokenFormatError.
 */
export function parseAuthorization(header: string): Uint8Array {
  if (header.length > MAX_HEADER_LENGTH) throw new TokenFormatError('Authorization header too long');
  const match = /^[ \t]*([^ \t]+)[ \t]+(.*)$/s.exec(header);
  if (!match || match[1].toLowerCase() !== AUTH_SCHEME.toLowerCase())
    throw new TokenFormatError(`Authorization scheme must be ${AUTH_SCHEME}`);
  let token: string | undefined;
  for (const [name, value] of authParams(match[2])) {
    if (name.toLowerCase() !== 'token') continue;
    if (token !== undefined) throw new TokenFormatError('more than one token parameter');
    token = value;
  }
  if (token === undefined) throw new TokenFormatError('no token parameter');
  if (!BASE64URL.test(token)) throw new TokenFormatError('token is not base64url');
  const bytes = Buffer.from(token.replace(/=+$/, ''), 'base64url');
  // Node decodes leniently; a value that does not re-encode to itself carried stray bits or characters.
  if (bytes.toString('base64url') !== token.replace(/=+$/, ''))
    throw new TokenFormatError('token is not base64url');
  return bytes;
}

function* authParams(text: string): Generator<[string, string]> {
  let rest = text;
  for (;;) {
    const param = /^[ \t]*([^ \t=,"]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^ \t,"]+))[ \t]*/s.exec(rest);
    if (!param || !TCHAR.test(param[1])) throw new TokenFormatError('malformed Authorization parameters');
    const value = param[2] !== undefined ? param[2].replace(/\\(.)/gs, '$1') : param[3];
    if (param[3] !== undefined && !TCHAR.test(param[3]))
      throw new TokenFormatError('malformed parameter value');
    yield [param[1], value];
    rest = rest.slice(param[0].length);
    if (rest === '') return;
    if (rest[0] !== ',') throw new TokenFormatError('malformed Authorization parameters');
    rest = rest.slice(1);
  }
}

function derTlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else if (length < 0x100) header = [tag, 0x81, length];
  else if (length < 0x10000) header = [tag, 0x82, length >> 8, length & 0xff];
  else throw new TokenFormatError('DER value too long');
  return Buffer.concat([Buffer.from(header), content]);
}

function readTlv(bytes: Buffer, at: number, tag: number): { start: number; end: number } {
  if (bytes[at] !== tag) throw new TokenFormatError('malformed SPKI');
  let length = bytes[at + 1];
  let start = at + 2;
  if (length === undefined) throw new TokenFormatError('malformed SPKI');
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 2) throw new TokenFormatError('malformed SPKI');
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (bytes[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new TokenFormatError('truncated SPKI');
  return { start, end };
}
