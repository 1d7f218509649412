import { randomBytes } from 'node:crypto';
import { OhttpError } from './errors';
import {
  encodeKeyConfig,
  encodeKeyConfigs,
  exportGatewayPrivateKey,
  generateGatewayKey,
  importGatewayKey,
  parseKeyConfig,
  parseKeyConfigs,
} from './key-config';
import { fromHex, prng } from './test-helpers';

// RFC 9458 Appendix A key configuration: id 1, X25519, suites (HKDF-SHA256, AES-128-GCM) and (HKDF-SHA256, ChaCha20).
const RFC_CONFIG = fromHex(
  '01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003',
);

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof OhttpError ? e.code : `not an OhttpError: ${String(e)}`;
  }
  return 'parsed';
}

describe('key configurations', () => {
  it('round-trips a list of configurations in application/ohttp-keys form', async () => {
    const current = await generateGatewayKey(2);
    const previous = await generateGatewayKey(1);
    const body = encodeKeyConfigs([current.config, previous.config]);
    expect(body.subarray(0, 2)).toEqual(Uint8Array.of(0, 45)); // 1 + 2 + 32 + 2 + 2 * 4
    expect(parseKeyConfigs(body)).toEqual([current.config, previous.config]);
    expect(parseKeyConfig(RFC_CONFIG).keyId).toBe(1);
  });

  it('restores the same key from its exported private bytes', async () => {
    const key = await generateGatewayKey(9);
    const again = await importGatewayKey(9, await exportGatewayPrivateKey(key));
    expect(again.config).toEqual(key.config);
  });

  it.each([
    ['empty body', ''],
    ['half a length prefix', '00'],
    ['zero length', '0000'],
    ['length past the end', '0030' + Buffer.from(RFC_CONFIG).toString('hex')],
    ['unknown KEM (P-256)', '0029' + '010010' + '00'.repeat(32) + '000400010001'],
    ['suites length zero', '0025' + '010020' + '00'.repeat(32) + '0000'],
    ['suites length not a multiple of 4', '0027' + '010020' + '00'.repeat(32) + '0002' + '0001'],
    [
      'suites length 6 (one and a half suites)',
      '002d' + '010020' + '00'.repeat(32) + '0006' + '0001000100010003',
    ],
    ['suites past the end', '0029' + '010020' + '00'.repeat(32) + '0008' + '00010001'],
    ['bytes after the suites', '002a' + '010020' + '00'.repeat(32) + '0004' + '00010001' + 'ff'],
  ])('refuses %s as KEY_CONFIG_INVALID', (_name, hex) => {
    expect(code(() => parseKeyConfigs(fromHex(hex)))).toBe('KEY_CONFIG_INVALID');
  });

  it('answers every truncation and random mutation with a config or KEY_CONFIG_INVALID, never a crash', () => {
    const body = encodeKeyConfigs([parseKeyConfig(RFC_CONFIG), parseKeyConfig(RFC_CONFIG)]);
    const firstEnds = 2 + RFC_CONFIG.length; // a whole first configuration is a valid list on its own
    for (let n = 0; n < body.length; n++) {
      expect([n, code(() => parseKeyConfigs(body.subarray(0, n)))]).toEqual([
        n,
        n === firstEnds ? 'parsed' : 'KEY_CONFIG_INVALID',
      ]);
    }
    const random = prng(42);
    for (let i = 0; i < 2000; i++) {
      const mutated = body.slice();
      mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      expect(['parsed', 'KEY_CONFIG_INVALID']).toContain(code(() => parseKeyConfigs(mutated)));
      expect(['parsed', 'KEY_CONFIG_INVALID']).toContain(code(() => parseKeyConfigs(randomBytes(i % 90))));
    }
  });

  it('refuses to encode what cannot be published', () => {
    const config = parseKeyConfig(RFC_CONFIG);
    expect(code(() => encodeKeyConfig({ ...config, keyId: 256 }))).toBe('KEY_CONFIG_INVALID');
    expect(code(() => encodeKeyConfig({ ...config, suites: [] }))).toBe('KEY_CONFIG_INVALID');
    expect(code(() => encodeKeyConfig({ ...config, publicKey: new Uint8Array(31) }))).toBe(
      'KEY_CONFIG_INVALID',
    );
  });
});
