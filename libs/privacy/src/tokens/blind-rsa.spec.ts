import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import {
  blind,
  blindSign,
  BlindRsaError,
  bytesToInt,
  emsaPssEncode,
  finalize,
  intToBytes,
  inverseMod,
  verify,
} from './blind-rsa';
// RFC 9474 Appendix A.3 (RSABSSA-SHA384-PSS-Deterministic); where each value was copied from is in the file.
import vector from './testdata/rfc9474-a3.json';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// `fault` corrupts the private exponents (as a hardware or memory fault would) while keeping n and e.
function vectorKeys(fault = 0n): { privateKey: KeyObject; publicKey: KeyObject } {
  const [p, q, good] = [vector.p, vector.q, vector.d].map((value) => bytesToInt(hex(value)));
  const d = good + fault;
  const b64 = (value: bigint, length: number): string => intToBytes(value, length).toString('base64url');
  const privateKey = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: hex(vector.n).toString('base64url'),
      e: hex(vector.e).toString('base64url'),
      d: b64(d, 512),
      p: b64(p, 256),
      q: b64(q, 256),
      dp: b64(d % (p - 1n), 256),
      dq: b64(d % (q - 1n), 256),
      qi: b64(inverseMod(q, p), 256),
    },
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

describe('RSABSSA-SHA384-PSS-Deterministic against RFC 9474 A.3', () => {
  const { privateKey, publicKey } = vectorKeys();
  const msg = hex(vector.msg);
  const inv = bytesToInt(hex(vector.inv));

  it('encodes the message with EMSA-PSS as published', () => {
    expect(toHex(emsaPssEncode(msg, 4095, hex(vector.salt)))).toBe(vector.encoded_msg);
  });

  it('blinds, signs blindly and finalizes to the published bytes', () => {
    const blinded = blind(publicKey, msg, { salt: hex(vector.salt), inv });
    expect(toHex(blinded.blindedMsg)).toBe(vector.blinded_msg);
    expect(blinded.inv).toBe(inv);
    const blindSig = blindSign(privateKey, blinded.blindedMsg);
    expect(toHex(blindSig)).toBe(vector.blind_sig);
    expect(toHex(finalize(publicKey, msg, blindSig, inv))).toBe(vector.sig);
  });

  it('verifies the published signature and nothing else', () => {
    expect(verify(publicKey, msg, hex(vector.sig))).toBe(true);
    const tampered = hex(vector.sig);
    tampered[100] ^= 1;
    expect(verify(publicKey, msg, tampered)).toBe(false);
    expect(verify(publicKey, Buffer.concat([msg, Buffer.from([0])]), hex(vector.sig))).toBe(false);
  });

  it('refuses a blind signature that does not unblind to a valid signature', () => {
    const wrong = hex(vector.blind_sig);
    wrong[511] ^= 1;
    expect(() => finalize(publicKey, msg, wrong, inv)).toThrow(new BlindRsaError('invalid signature'));
    expect(() => finalize(publicKey, msg, wrong.subarray(1), inv)).toThrow(BlindRsaError);
  });

  it('never returns a blind signature that fails its own RSAVP1 check (a faulty private key)', () => {
    const faulty = vectorKeys(2n).privateKey;
    expect(() => blindSign(faulty, hex(vector.blinded_msg))).toThrow(new BlindRsaError('signing failure'));
  });

  it('refuses to sign a representative outside [0, n) or of the wrong length', () => {
    expect(() => blindSign(privateKey, Buffer.alloc(512, 0xff))).toThrow(
      new BlindRsaError('message representative out of range'),
    );
    expect(() => blindSign(privateKey, Buffer.alloc(511, 1))).toThrow(
      new BlindRsaError('unexpected input size'),
    );
  });
});

describe('blind RSA with fresh randomness', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('round-trips with a different blinded message each time for the same input', () => {
    const msg = Buffer.from('token input');
    const first = blind(publicKey, msg);
    const second = blind(publicKey, msg);
    expect(toHex(first.blindedMsg)).not.toBe(toHex(second.blindedMsg));
    const sig = finalize(publicKey, msg, blindSign(privateKey, first.blindedMsg), first.inv);
    expect(verify(publicKey, msg, sig)).toBe(true);
  });

  it("does not finalize with another request's inverse", () => {
    const msg = Buffer.from('token input');
    const first = blind(publicKey, msg);
    const second = blind(publicKey, msg);
    expect(() => finalize(publicKey, msg, blindSign(privateKey, first.blindedMsg), second.inv)).toThrow(
      BlindRsaError,
    );
  });
});
