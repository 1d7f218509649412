// The client half of RFC 9578 §6.1 and §6.3: build a TokenRequest for a challenge, and turn the issuer's
// TokenResponse into a Token.
import { KeyObject, randomBytes } from 'node:crypto';
import { blind, BlindOptions, finalize as finalizeSignature } from './blind-rsa';
import {
  challengeDigest,
  decodeTokenResponse,
  encodeToken,
  encodeTokenRequest,
  issuerSpki,
  NONCE_LENGTH,
  publicKeyFromSpki,
  TOKEN_TYPE_BLIND_RSA,
  tokenKeyId,
  TokenFormatError,
} from './token';

export interface PendingToken {
  /** The TokenRequest to send to the issuer. */
  request: Uint8Array;
  /** The Token for the issuer's TokenResponse; throws BlindRsaError if the response does not verify. */
  finalize(response: Uint8Array): Uint8Array;
}

/** Randomness the tests inject to reproduce published vectors; omitted, it is drawn fresh. */
export interface TokenRequestOptions extends BlindOptions {
  nonce?: Uint8Array;
}

/** issuerKey: the issuer's public key, or the SPKI bytes from its directory's "token-key". */
export function createTokenRequest(
  issuerKey: KeyObject | Uint8Array,
  challenge: Uint8Array,
  options: TokenRequestOptions = {},
): PendingToken {
  const spki = issuerKey instanceof KeyObject ? issuerSpki(issuerKey) : Buffer.from(issuerKey);
  const publicKey = publicKeyFromSpki(spki);
  const keyId = tokenKeyId(spki);
  const nonce = options.nonce ?? randomBytes(NONCE_LENGTH);
  if (nonce.length !== NONCE_LENGTH) throw new TokenFormatError('nonce must be 32 bytes');
  const digest = challengeDigest(challenge);
  const tokenInput = Buffer.alloc(2 + NONCE_LENGTH + 32 + 32);
  tokenInput.writeUInt16BE(TOKEN_TYPE_BLIND_RSA, 0);
  Buffer.concat([nonce, digest, keyId]).copy(tokenInput, 2);
  const { blindedMsg, inv } = blind(publicKey, tokenInput, options);
  const request = encodeTokenRequest({
    tokenType: TOKEN_TYPE_BLIND_RSA,
    truncatedTokenKeyId: keyId[keyId.length - 1],
    blindedMsg,
  });
  return {
    request,
    finalize(response: Uint8Array): Uint8Array {
      const authenticator = finalizeSignature(publicKey, tokenInput, decodeTokenResponse(response), inv);
      return encodeToken({
        tokenType: TOKEN_TYPE_BLIND_RSA,
        nonce,
        challengeDigest: digest,
        tokenKeyId: keyId,
        authenticator,
      });
    },
  };
}
