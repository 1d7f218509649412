import { keccak256, randomBytes, recoverAddress, Signature, Wallet } from 'ethers';
import { recoverDigestSigner } from './recover-signer';

describe('recoverDigestSigner (libsecp256k1 in WebAssembly)', () => {
  it('recovers exactly what ethers recovers, for many keys and digests (both recovery ids)', () => {
    const parities = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const wallet = Wallet.createRandom();
      const digest = keccak256(randomBytes(64));
      const signature = wallet.signingKey.sign(digest);
      parities.add(signature.yParity);
      expect(recoverDigestSigner(digest, signature.serialized)).toBe(wallet.address);
      expect(recoverDigestSigner(digest, signature.compactSerialized)).toBe(
        recoverAddress(digest, signature),
      );
    }
    expect(parities).toEqual(new Set([0, 1]));
  });

  it('names another signer for another digest: a signature binds the digest', () => {
    const wallet = Wallet.createRandom();
    const signature = wallet.signingKey.sign(keccak256('0x01')).serialized;
    expect(recoverDigestSigner(keccak256('0x02'), signature)).not.toBe(wallet.address);
  });

  it('answers null for what is not a signature over a 32-byte digest', () => {
    const wallet = Wallet.createRandom();
    const digest = keccak256('0x01');
    const { r, s, v } = wallet.signingKey.sign(digest);
    expect(recoverDigestSigner(digest, '0x1234')).toBeNull();
    expect(recoverDigestSigner('0x1234', wallet.signingKey.sign(digest).serialized)).toBeNull();
    expect(
      recoverDigestSigner(digest, Signature.from({ r: `0x${'00'.repeat(32)}`, s, v }).serialized),
    ).toBeNull();
    // A non-canonical (high) s is refused, as ethers refuses it.
    const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
    const highS = `0x${(n - BigInt(s)).toString(16).padStart(64, '0')}`;
    expect(recoverDigestSigner(digest, `${r}${highS.slice(2)}${v === 27 ? '1c' : '1b'}`)).toBeNull();
  });
});
