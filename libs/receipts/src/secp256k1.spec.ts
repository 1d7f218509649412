import { keccak256, randomBytes, recoverAddress, Signature, Wallet } from 'ethers';
import { receiptDigest, signReceipt, signReceiptWithKey } from './receipt-signing';
import { NO_PREFIX, type Receipt } from './receipt.spec-types';
import { recoverDigestSigner, signDigest } from './secp256k1';

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

describe('signDigest and signReceiptWithKey (libsecp256k1 in WebAssembly)', () => {
  it('sign byte for byte as ethers signs, for many keys and digests', () => {
    for (let i = 0; i < 40; i++) {
      const wallet = Wallet.createRandom();
      const digest = keccak256(randomBytes(64));
      expect(signDigest(new Wallet(wallet.privateKey), digest)).toBe(
        wallet.signingKey.sign(digest).serialized,
      );
    }
  });

  it("signs a receipt as ethers' signTypedData does, and gives its digest", async () => {
    const wallet = Wallet.createRandom();
    const node = new Wallet(wallet.privateKey);
    const receipt: Receipt = {
      inferenceId: '0f0e0d0c-0b0a-4908-8706-050403020100',
      conversationId: '00010203-0405-4607-8809-0a0b0c0d0e0f',
      previousDigest: keccak256('0x01'),
      personaVersionHash: keccak256('0x02'),
      node: node.address,
      modelId: 'embedded',
      inputHash: keccak256('0x03'),
      outputHash: keccak256('0x04'),
      promptTokens: 12,
      completionTokens: 20,
      startedAt: 1_000,
      finishedAt: 2_000,
      ...NO_PREFIX,
    };
    const { signature, digest } = signReceiptWithKey(node, receipt);
    expect(digest).toBe(receiptDigest(receipt));
    expect(signature).toBe(await signReceipt(node, receipt));
    expect(recoverDigestSigner(digest, signature)).toBe(node.address);
  });
});
