import { AEAD_AES_128_GCM, KDF_HKDF_SHA256, KEM_X25519_HKDF_SHA256 } from './constants';
import { encodeKeyConfig, encodeKeyConfigs, importGatewayKey, parseKeyConfigs } from './key-config';
import { decapsulateRequest, encapsulateRequest } from './ohttp';
import { fromHex, keyPairFromHex, toHex } from './test-helpers';

/*
 * RFC 9458 Appendix A ("Complete Example of a Request and Response"), values quoted from the RFC's source,
 * ietf-wg-ohai/oblivious-http draft-ietf-ohai-ohttp.md (the text published as RFC 9458).
 */
const A = {
  gatewaySecretKey: '3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a',
  keyConfig: '01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003',
  request: '00034745540568747470730b6578616d706c652e636f6d012f',
  ephemeralSecretKey: 'bc51d5e930bda26589890ac7032f70ad12e4ecb37abb1b65b1256c9c48999c73',
  ephemeralPublicKey: '4b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472',
  encapsulatedRequest:
    '010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad1' +
    '9dec96c208b4726374e469135906992e1268c594d2a10c695d858c40a026e796' +
    '5e7d86b83dd440b2c0185204b4d63525',
  response: '0140c8',
  responseNonce: 'c789e7151fcba46158ca84b04464910d',
  encapsulatedResponse: 'c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd',
};

describe('RFC 9458 Appendix A', () => {
  it('derives the key configuration from the gateway secret key', async () => {
    const gateway = await importGatewayKey(1, fromHex(A.gatewaySecretKey));
    expect(toHex(encodeKeyConfig(gateway.config))).toBe(A.keyConfig);
    const [parsed] = parseKeyConfigs(encodeKeyConfigs([gateway.config]));
    expect(parsed).toEqual({
      keyId: 1,
      kemId: KEM_X25519_HKDF_SHA256,
      publicKey: gateway.config.publicKey,
      suites: [
        { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM },
        { kdfId: KDF_HKDF_SHA256, aeadId: 0x0003 },
      ],
    });
  });

  it('reproduces the request and response byte for byte, and each side opens the other', async () => {
    const gateway = await importGatewayKey(1, fromHex(A.gatewaySecretKey));
    const ephemeralKeyPair = await keyPairFromHex(A.ephemeralSecretKey, A.ephemeralPublicKey);

    const client = await encapsulateRequest(gateway.config, fromHex(A.request), {
      suite: { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM },
      ephemeralKeyPair,
    });
    expect(toHex(client.encapsulated)).toBe(A.encapsulatedRequest);

    const opened = await decapsulateRequest([gateway], fromHex(A.encapsulatedRequest));
    expect(toHex(opened.request)).toBe(A.request);
    expect(opened.keyId).toBe(1);
    expect(toHex(opened.enc)).toBe(A.ephemeralPublicKey);

    const sealed = await opened.response.seal(fromHex(A.response), { nonce: fromHex(A.responseNonce) });
    expect(toHex(sealed)).toBe(A.encapsulatedResponse);

    expect(toHex(await client.response.open(fromHex(A.encapsulatedResponse)))).toBe(A.response);
  });
});
