import { concat } from './bytes';
import { encapsulateChunkedRequest, openChunkedRequest } from './chunked';
import { AEAD_AES_128_GCM, KDF_HKDF_SHA256 } from './constants';
import { encodeKeyConfig, importGatewayKey } from './key-config';
import { collect, fromHex, keyPairFromHex, streamOf, toHex } from './test-helpers';

/*
 * draft-ietf-ohai-chunked-ohttp, Appendix "Example", quoted from ietf-wg-ohai/draft-ohai-chunked-ohttp
 * draft-ietf-ohai-chunked-ohttp.md (main, Feb 2026). Line breaks in the draft mark chunk boundaries; kept here.
 */
const X = {
  gatewaySecretKey: '1c190d72acdbe4dbc69e680503bb781a932c70a12c8f3754434c67d8640d8698',
  keyConfig: '010020668eb21aace159803974a4c67f08b4152d29bed10735fd08f98ccdd6fe09570800080001000100010003',
  request: '00034745540568747470730b6578616d706c652e636f6d012f',
  ephemeralSecretKey: 'b26d565f3f875ed480d1abced3d665159650c99174fd0b124ac4bda0c64ae324',
  ephemeralPublicKey: '8811eb457e100811c40a0aa71340a1b81d804bb986f736f2f566a7199761a032',
  requestHeader: '01002000010001' + '8811eb457e100811c40a0aa71340a1b81d804bb986f736f2f566a7199761a032',
  requestChunks: [
    '1c2ad24942d4d692563012f2980c8fef437a336b9b2fc938ef77a5834f',
    '1d2e33d8fd25577afe31bd1c79d094f76b6250ae6549b473ecd950501311',
    '001c6c1395d0ef7c1022297966307b8a7f',
  ],
  response: '0140c8',
  responseNonce: 'bcce7f4cb921309ba5d62edf1769ef09',
  responseChunks: [
    '1179bf1cc87fa0e2c02de4546945aa3d1e48',
    '12b348b5bd4c594c16b6170b07b475845d1f32',
    '00ed9d8a796617a5b27265f4d73247f639',
  ],
};

describe('chunked OHTTP draft example', () => {
  it('reproduces the chunked request and response byte for byte', async () => {
    const gateway = await importGatewayKey(1, fromHex(X.gatewaySecretKey));
    expect(toHex(encodeKeyConfig(gateway.config))).toBe(X.keyConfig);
    const request = fromHex(X.request);

    const client = await encapsulateChunkedRequest(gateway.config, {
      suite: { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM },
      ephemeralKeyPair: await keyPairFromHex(X.ephemeralSecretKey, X.ephemeralPublicKey),
    });
    expect(toHex(client.header)).toBe(X.requestHeader);
    expect(toHex(await client.seal(request.subarray(0, 12), false))).toBe(X.requestChunks[0]);
    expect(toHex(await client.seal(request.subarray(12), false))).toBe(X.requestChunks[1]);
    expect(toHex(await client.seal(new Uint8Array(0), true))).toBe(X.requestChunks[2]);

    const wire = fromHex(X.requestHeader + X.requestChunks.join(''));
    const opened = await openChunkedRequest([gateway], streamOf(wire), {
      responseNonce: fromHex(X.responseNonce),
    });
    expect(toHex(concat(...(await collect(opened.chunks))))).toBe(X.request);

    const response = fromHex(X.response);
    expect(toHex(opened.response.header)).toBe(X.responseNonce);
    expect(toHex(await opened.response.seal(response.subarray(0, 1), false))).toBe(X.responseChunks[0]);
    expect(toHex(await opened.response.seal(response.subarray(1), false))).toBe(X.responseChunks[1]);
    expect(toHex(await opened.response.seal(new Uint8Array(0), true))).toBe(X.responseChunks[2]);

    const responseWire = fromHex(X.responseNonce + X.responseChunks.join(''));
    const plaintext = await collect(client.response.open(streamOf(responseWire)));
    expect(plaintext.map(toHex)).toEqual(['01', '40c8']);
  });
});
