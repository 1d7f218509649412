import { AEAD_AES_128_GCM, AEAD_CHACHA20_POLY1305, KDF_HKDF_SHA256 } from './constants';
import { OhttpError } from './errors';
import { generateGatewayKey } from './key-config';
import { decapsulateRequest, encapsulateRequest } from './ohttp';
import { failure } from './test-helpers';

const SUITES = [
  ['AES-128-GCM', { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM }],
  ['ChaCha20-Poly1305', { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 }],
] as const;

const request = new TextEncoder().encode('POST /v1/chat/completions {"messages":[]}');
const response = new TextEncoder().encode('{"choices":[{"message":{"content":"hi"}}]}');

describe('OHTTP request and response', () => {
  describe.each(SUITES)('%s', (_name, suite) => {
    it('round-trips a request and its response', async () => {
      const key = await generateGatewayKey(7);
      const client = await encapsulateRequest(key.config, request, { suite });
      expect(client.encapsulated.subarray(0, 7)).toEqual(Uint8Array.of(7, 0, 0x20, 0, 1, 0, suite.aeadId));
      const gateway = await decapsulateRequest([key], client.encapsulated);
      expect(gateway.request).toEqual(request);
      const sealed = await gateway.response.seal(response);
      // max(Nn, Nk) nonce, then the ciphertext and a 16-byte tag
      expect(sealed.length).toBe((suite.aeadId === AEAD_AES_128_GCM ? 16 : 32) + response.length + 16);
      expect(await client.response.open(sealed)).toEqual(response);
    });

    it('refuses a request with any byte after the header changed', async () => {
      const key = await generateGatewayKey(1);
      const { encapsulated } = await encapsulateRequest(key.config, request, { suite });
      for (let i = 7; i < encapsulated.length; i++) {
        const tampered = encapsulated.slice();
        tampered[i] ^= 0x01;
        const e = await failure(decapsulateRequest([key], tampered));
        expect([i, (e as OhttpError).code]).toEqual([i, 'DECRYPT_FAILED']);
      }
    });

    it('refuses a response with any byte changed, or opened by another request', async () => {
      const key = await generateGatewayKey(1);
      const client = await encapsulateRequest(key.config, request, { suite });
      const sealed = await (await decapsulateRequest([key], client.encapsulated)).response.seal(response);
      for (let i = 0; i < sealed.length; i++) {
        const tampered = sealed.slice();
        tampered[i] ^= 0x80;
        const e = await failure(client.response.open(tampered));
        expect([i, (e as OhttpError).code]).toEqual([i, 'DECRYPT_FAILED']);
      }
      const other = await encapsulateRequest(key.config, request, { suite });
      expect(await failure(other.response.open(sealed))).toMatchObject({ code: 'DECRYPT_FAILED' });
    });
  });

  it('answers every truncation of a request or response with an OhttpError', async () => {
    const key = await generateGatewayKey(1);
    const client = await encapsulateRequest(key.config, request);
    const sealed = await (await decapsulateRequest([key], client.encapsulated)).response.seal(response);
    for (let n = 0; n < client.encapsulated.length; n++) {
      const e = await failure(decapsulateRequest([key], client.encapsulated.subarray(0, n)));
      expect(e).toBeInstanceOf(OhttpError);
      expect(['TRUNCATED', 'DECRYPT_FAILED']).toContain((e as OhttpError).code);
    }
    for (let n = 0; n < sealed.length; n++) {
      const e = await failure(client.response.open(sealed.subarray(0, n)));
      expect(['TRUNCATED', 'DECRYPT_FAILED']).toContain((e as OhttpError).code);
    }
  });

  it('names an unknown key id UNKNOWN_KEY and a wrong key with the same id DECRYPT_FAILED', async () => {
    const key = await generateGatewayKey(1);
    const { encapsulated } = await encapsulateRequest(key.config, request);
    expect(await failure(decapsulateRequest([await generateGatewayKey(2)], encapsulated))).toMatchObject({
      code: 'UNKNOWN_KEY',
    });
    expect(await failure(decapsulateRequest([await generateGatewayKey(1)], encapsulated))).toMatchObject({
      code: 'DECRYPT_FAILED',
    });
  });

  it('refuses a low-order (all-zero) encapsulated key as DECRYPT_FAILED', async () => {
    const key = await generateGatewayKey(1);
    const { encapsulated } = await encapsulateRequest(key.config, request);
    const zeroEnc = encapsulated.slice();
    zeroEnc.fill(0, 7, 39);
    expect(await failure(decapsulateRequest([key], zeroEnc))).toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it('serves requests made with the previous key during a rotation', async () => {
    const old = await generateGatewayKey(1);
    const current = await generateGatewayKey(2);
    for (const key of [old, current]) {
      const { encapsulated } = await encapsulateRequest(key.config, request);
      const opened = await decapsulateRequest([current, old], encapsulated);
      expect([opened.keyId, opened.request]).toEqual([key.config.keyId, request]);
    }
  });

  it('refuses suites the key does not offer, on either side', async () => {
    const aesOnly = await generateGatewayKey(1, [{ kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM }]);
    const chacha = { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 };
    expect(await failure(encapsulateRequest(aesOnly.config, request, { suite: chacha }))).toMatchObject({
      code: 'UNSUPPORTED_SUITE',
    });
    const both = await generateGatewayKey(1);
    const { encapsulated } = await encapsulateRequest(both.config, request, { suite: chacha });
    expect(
      await failure(decapsulateRequest([{ ...both, config: aesOnly.config }], encapsulated)),
    ).toMatchObject({
      code: 'UNSUPPORTED_SUITE',
    });
    const unknownAead = encapsulated.slice();
    unknownAead[6] = 0x02; // AES-256-GCM: registered, not supported here
    expect(await failure(decapsulateRequest([both], unknownAead))).toMatchObject({
      code: 'UNSUPPORTED_SUITE',
    });
  });

  it('picks the first offered suite it supports when none is asked for', async () => {
    const key = await generateGatewayKey(3, [
      { kdfId: 0x0002, aeadId: AEAD_AES_128_GCM }, // HKDF-SHA384: not supported
      { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 },
    ]);
    const { encapsulated } = await encapsulateRequest(key.config, request);
    expect(encapsulated[6]).toBe(AEAD_CHACHA20_POLY1305);
  });
});
