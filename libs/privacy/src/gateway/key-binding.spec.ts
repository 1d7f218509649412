import { Wallet } from 'ethers';
import { checkGatewayKeys, gatewayKeysMessage, sha256Hex, signGatewayKeys } from './key-binding';

const CONFIG = new Uint8Array([0, 41, 1, 0, 32, ...new Array<number>(32).fill(5), 0, 4, 0, 1, 0, 1]);
const NOW = new Date('2026-12-04T12:00:00.000Z');
const LATER = new Date('2026-12-04T13:00:00.000Z');

describe('gateway key binding', () => {
  const wallet = Wallet.createRandom();

  it('names the checksummed node, the exact bytes by SHA-256, and the expiry in the signed text', () => {
    const message = gatewayKeysMessage({
      nodeAddress: wallet.address.toLowerCase(),
      keyConfigSha256: sha256Hex(CONFIG),
      expiresAt: LATER.toISOString(),
    });
    expect(message).toBe(
      [
        'Twinproof OHTTP gateway keys',
        `node: ${wallet.address}`,
        `ohttp-keys sha256: ${sha256Hex(CONFIG)}`,
        `expires: ${LATER.toISOString()}`,
      ].join('\n'),
    );
  });

  it('accepts what the node signed, for its address in any case, and hands back the bytes', async () => {
    const signed = await signGatewayKeys(wallet, CONFIG, LATER);
    expect(signed).toEqual({
      keyConfig: Buffer.from(CONFIG).toString('base64'),
      signature: expect.stringMatching(/^0x[0-9a-f]{130}$/),
      expiresAt: LATER.toISOString(),
    });
    for (const address of [wallet.address, wallet.address.toLowerCase()]) {
      const check = checkGatewayKeys(address, signed, NOW);
      expect(check).toEqual({ ok: true, keyConfig: CONFIG });
    }
  });

  it('refuses another node’s address, other key bytes, another expiry, and an expired signature', async () => {
    const signed = await signGatewayKeys(wallet, CONFIG, LATER);
    const other = Wallet.createRandom();
    const otherBytes = Buffer.from(CONFIG.map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64');
    const cases: [string, Parameters<typeof checkGatewayKeys>[1], Date, RegExp][] = [
      [other.address, signed, NOW, /signed by .* not by the attested node/],
      [wallet.address, { ...signed, keyConfig: otherBytes }, NOW, /not by the attested node/],
      [wallet.address, { ...signed, expiresAt: '2026-12-05T13:00:00.000Z' }, NOW, /not by the attested node/],
      [wallet.address, signed, LATER, /expired/],
    ];
    for (const [address, keys, now, reason] of cases) {
      const check = checkGatewayKeys(address, keys, now);
      expect(check.ok).toBe(false);
      expect(!check.ok && check.reason).toMatch(reason);
    }
  });

  it('refuses another key’s signature over the same text', async () => {
    const forged = await signGatewayKeys(Wallet.createRandom(), CONFIG, LATER);
    expect(checkGatewayKeys(wallet.address, forged, NOW).ok).toBe(false);
  });

  it('says what is wrong with malformed input instead of throwing', async () => {
    const signed = await signGatewayKeys(wallet, CONFIG, LATER);
    const cases = [
      { ...signed, keyConfig: 'not base64!' },
      { ...signed, expiresAt: 'soon' },
      { ...signed, signature: '0x1234' },
    ];
    for (const keys of cases) expect(checkGatewayKeys(wallet.address, keys, NOW).ok).toBe(false);
    expect(checkGatewayKeys('not-an-address', signed, NOW).ok).toBe(false);
  });
});
