import { sampleEvidence } from '../test-fixtures/fixtures';
import { CborError, decodeCbor, encodeCbor } from './cbor';
import { parseNitroCoseSign1 } from './nitro-document';

describe('CBOR codec (cbor-x, deterministic encoding only)', () => {
  it('decodes what it encodes, including lengths past one byte', () => {
    const payload = new Uint8Array(300).fill(7);
    const decoded = decodeCbor(encodeCbor(['Signature1', new Uint8Array(0), payload]));

    expect(decoded).toEqual(['Signature1', new Uint8Array(0), payload]);
  });

  it('encodes a Sig_structure as definite, shortest-length text and byte strings', () => {
    const payload = new Uint8Array(300).fill(7);
    const expected = Buffer.concat([
      Buffer.from([0x84, 0x6a]), // array of 4, text of 10
      Buffer.from('Signature1'),
      Buffer.from([0x44, 0xa1, 0x01, 0x38, 0x22]), // bytes of 4: {1: -35}
      Buffer.from([0x40]), // empty bytes, untagged
      Buffer.from([0x59, 0x01, 0x2c]), // bytes, 2-byte length 300
      payload,
    ]);

    expect(
      Buffer.from(
        encodeCbor(['Signature1', Uint8Array.of(0xa1, 0x01, 0x38, 0x22), new Uint8Array(0), payload]),
      ),
    ).toEqual(expected);
  });

  it("leaves Node's own Uint8Arrays untagged too (Jest gives tests a Uint8Array from another realm)", () => {
    const NodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;

    expect([...encodeCbor(['', new NodeUint8Array(0), NodeUint8Array.of(7)])]).toEqual([
      0x83, 0x60, 0x40, 0x41, 0x07,
    ]);
  });

  it('signs over the Nitro sample Sig_structure byte for byte (RFC 9052 §4.4)', () => {
    const document = Buffer.from(sampleEvidence('nitro').document, 'base64');
    // The sample is an untagged array: 0x84, protected header bstr of 4 (0x44 a1 01 38 22), empty map, payload.
    expect([...document.subarray(0, 7)]).toEqual([0x84, 0x44, 0xa1, 0x01, 0x38, 0x22, 0xa0]);
    expect(document[7]).toBe(0x59);
    const payload = document.subarray(10, 10 + document.readUInt16BE(8));
    const expected = Buffer.concat([
      Buffer.from([0x84, 0x6a]),
      Buffer.from('Signature1'),
      document.subarray(1, 6),
      Buffer.from([0x40, 0x59]),
      document.subarray(8, 10),
      payload,
    ]);

    expect(Buffer.from(parseNitroCoseSign1(sampleEvidence('nitro').document).signedBytes)).toEqual(expected);
  });

  it('decodes maps with integer keys, negative integers and null', () => {
    // {1: -35, "k": null}
    expect(decodeCbor(Uint8Array.of(0xa2, 0x01, 0x38, 0x22, 0x61, 0x6b, 0xf6))).toEqual(
      new Map<unknown, unknown>([
        [1, -35],
        ['k', null],
      ]),
    );
  });

  it.each([
    ['trailing bytes', [0x01, 0x02]],
    ['indefinite lengths', [0x5f, 0xff]],
    ['indefinite-length arrays', [0x9f, 0x01, 0xff]],
    ['lengths past the input', [0x59, 0xff, 0xff, 0x00]],
    ['duplicate map keys', [0xa2, 0x01, 0x01, 0x01, 0x02]],
    ['non-shortest lengths', [0x58, 0x01, 0x07]],
    ['non-shortest integers', [0x18, 0x05]],
    ['cbor-x record definitions', [0xd9, 0xdf, 0xff, 0x83, 0x19, 0xe0, 0x00, 0x81, 0x61, 0x61, 0x01]],
    ['truncated input', [0x82, 0x01]],
    ['empty input', []],
  ])('rejects %s', (_what, bytes) => {
    expect(() => decodeCbor(Uint8Array.from(bytes))).toThrow(CborError);
  });

  it('rejects nesting deep enough to exhaust the stack as CBOR, not as a crash', () => {
    expect(() => decodeCbor(new Uint8Array(200_000).fill(0x81))).toThrow(CborError);
  });
});
