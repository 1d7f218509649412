import { decodeCbor, encodeCbor } from './cbor';

describe('minimal CBOR codec', () => {
  it('decodes what it encodes, including lengths past one byte', () => {
    const payload = new Uint8Array(300).fill(7);
    const decoded = decodeCbor(encodeCbor(['Signature1', new Uint8Array(0), payload]));

    expect(decoded).toEqual(['Signature1', new Uint8Array(0), payload]);
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
    ['lengths past the input', [0x59, 0xff, 0xff, 0x00]],
    ['duplicate map keys', [0xa2, 0x01, 0x01, 0x01, 0x02]],
  ])('rejects %s', (_what, bytes) => {
    expect(() => decodeCbor(Uint8Array.from(bytes))).toThrow();
  });
});
