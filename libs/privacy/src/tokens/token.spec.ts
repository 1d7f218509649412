import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { blindSign, bytesToInt } from './blind-rsa';
import {
  AUTH_SCHEME,
  challengeDigest,
  decodeToken,
  decodeTokenRequest,
  defaultChallenge,
  encodeChallenge,
  formatAuthorization,
  issuerSpki,
  parseAuthorization,
  publicKeyFromSpki,
  TokenFormatError,
  tokenKeyId,
} from './token';
import { createTokenRequest } from './token-client';
// RFC 9578 Appendix A.2 test vectors 1 and 2; where they were copied from is in the file.
import published from './testdata/rfc9578-type2.json';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('token type 2 against RFC 9578 A.2', () => {
  const issuerKey = createPrivateKey(hex(published.skS).toString('utf8'));

  it('encodes the issuer key as the published RSASSA-PSS SPKI, whose SHA-256 is the token_key_id', () => {
    expect(toHex(issuerSpki(issuerKey))).toBe(published.pkS);
    const keyId = toHex(tokenKeyId(hex(published.pkS)));
    for (const vector of published.vectors) expect(vector.token.slice(132, 196)).toBe(keyId);
  });

  it('encodes a TokenChallenge as published (vector 2: no redemption context)', () => {
    const challenge = encodeChallenge({
      tokenType: 2,
      issuerName: 'issuer.example',
      redemptionContext: new Uint8Array(0),
      originInfo: 'origin.example',
    });
    expect(toHex(challenge)).toBe(published.vectors[1].token_challenge);
  });

  it.each(published.vectors.map((vector, i) => [i + 1, vector] as const))(
    'vector %i: request, response and token byte for byte',
    (_n, vector) => {
      const pending = createTokenRequest(hex(published.pkS), hex(vector.token_challenge), {
        nonce: hex(vector.nonce),
        salt: hex(vector.salt),
        r: bytesToInt(hex(vector.blind)),
      });
      expect(toHex(pending.request)).toBe(vector.token_request);
      const response = blindSign(issuerKey, decodeTokenRequest(pending.request).blindedMsg);
      expect(toHex(response)).toBe(vector.token_response);
      expect(toHex(pending.finalize(response))).toBe(vector.token);
    },
  );

  it('decodes the published token into its fields', () => {
    const vector = published.vectors[0];
    const token = decodeToken(hex(vector.token));
    expect(token.tokenType).toBe(2);
    expect(toHex(token.nonce)).toBe(vector.nonce);
    expect(toHex(token.challengeDigest)).toBe(toHex(challengeDigest(hex(vector.token_challenge))));
  });
});

describe('issuer SPKI', () => {
  it('refuses an rsaEncryption SPKI: token_key_id is defined over the RSASSA-PSS form only', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => publicKeyFromSpki(publicKey.export({ format: 'der', type: 'spki' }))).toThrow(
      TokenFormatError,
    );
    expect(publicKeyFromSpki(issuerSpki(publicKey)).export({ format: 'jwk' }).n).toBe(
      publicKey.export({ format: 'jwk' }).n,
    );
  });
});

describe('defaultChallenge', () => {
  it('is type 2 from the issuer, with empty redemption context and origin info', () => {
    expect(toHex(defaultChallenge('twinproof'))).toBe(
      '0002' + '0009' + toHex(Buffer.from('twinproof')) + '00' + '0000',
    );
  });
});

describe('PrivateToken authorization header', () => {
  const token = hex(published.vectors[0].token);
  const encoded = token.toString('base64url');

  it('formats base64url in a quoted token parameter, and parses it back', () => {
    const header = formatAuthorization(token);
    expect(header).toBe(`PrivateToken token="${encoded}"`);
    expect(toHex(parseAuthorization(header))).toBe(toHex(token));
  });

  it.each([
    `privatetoken token="${encoded}"`,
    `PrivateToken   token = "${encoded}"`,
    `PrivateToken\ttoken=${encoded}`,
    `PrivateToken other="x", token="${encoded}"`,
    `PrivateToken token="${encoded}" , extensions="AAE"`,
    `PrivateToken Token="${encoded}"`,
  ])('accepts %s', (header) => {
    expect(toHex(parseAuthorization(header))).toBe(toHex(token));
  });

  it.each([
    ['another scheme', `Bearer token="${encoded}"`],
    ['no parameters', 'PrivateToken'],
    ['no token', 'PrivateToken challenge="abc"'],
    ['two tokens', `PrivateToken token="${encoded}", token="${encoded}"`],
    ['standard base64', `PrivateToken token="${token.toString('base64')}+/"`],
    ['junk after the value', `PrivateToken token="${encoded}" junk`],
    ['an unterminated quote', `PrivateToken token="${encoded}`],
    ['a token68 form', `PrivateToken ${encoded}`],
    ['a stray trailing character', `PrivateToken token="${encoded}A"`],
    ['an oversized header', `PrivateToken token="${'A'.repeat(2000)}"`],
  ])('refuses %s', (_what, header) => {
    expect(() => parseAuthorization(header)).toThrow(TokenFormatError);
  });

  it('names the scheme of RFC 9577', () => {
    expect(AUTH_SCHEME).toBe('PrivateToken');
  });
});

describe('token decoding', () => {
  it('refuses the wrong length and other token types before any signature work', () => {
    const token = hex(published.vectors[0].token);
    expect(() => decodeToken(token.subarray(1))).toThrow(TokenFormatError);
    const typeOne = Buffer.from(token);
    typeOne[1] = 1;
    expect(() => decodeToken(typeOne)).toThrow('unsupported token type 1');
    expect(() => decodeTokenRequest(hex(published.vectors[0].token_request).subarray(1))).toThrow(
      TokenFormatError,
    );
  });
});
