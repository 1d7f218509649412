import { randomBytes } from 'node:crypto';
import { concat } from './bytes';
import { ChunkedRequestSealer, encapsulateChunkedRequest, openChunkedRequest } from './chunked';
import { AEAD_AES_128_GCM, AEAD_CHACHA20_POLY1305, KDF_HKDF_SHA256, LABEL, Suite } from './constants';
import { setupSender } from './setup';
import { BhttpResponseStreamDecoder, BhttpResponseStreamEncoder } from './bhttp';
import { OhttpError } from './errors';
import { GatewayKey, generateGatewayKey } from './key-config';
import { collect, failure, fragment, prng, streamOf } from './test-helpers';
import { encodeVarint, readVarint, varintLength } from './varint';

const SUITES = [
  ['AES-128-GCM', { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_AES_128_GCM }],
  ['ChaCha20-Poly1305', { kdfId: KDF_HKDF_SHA256, aeadId: AEAD_CHACHA20_POLY1305 }],
] as const;

interface Exchange {
  key: GatewayKey;
  client: ChunkedRequestSealer;
  /** header || chunk frames of the request */
  request: { header: Uint8Array; frames: Uint8Array[] };
  plaintexts: Uint8Array[];
}

async function sealRequest(pieces: number, suite: Suite = SUITES[0][1]): Promise<Exchange> {
  const key = await generateGatewayKey(5);
  const client = await encapsulateChunkedRequest(key.config, { suite });
  const plaintexts = Array.from(
    { length: pieces },
    (_, i) => new Uint8Array(randomBytes(1 + ((i * 37) % 300))),
  );
  const framed: Uint8Array[] = [];
  for (let i = 0; i < plaintexts.length; i++)
    framed.push(await client.seal(plaintexts[i], i === plaintexts.length - 1));
  return { key, client, request: { header: client.header, frames: framed }, plaintexts };
}

async function openRequest(key: GatewayKey, wire: Uint8Array, pieces?: () => number): Promise<Uint8Array[]> {
  const opened = await openChunkedRequest([key], streamOf(...(pieces ? fragment(wire, pieces) : [wire])));
  return collect(opened.chunks);
}

describe('chunked OHTTP', () => {
  describe.each(SUITES)('%s', (_name, suite) => {
    it('round-trips many chunks each way whatever the fragmentation of the byte stream', async () => {
      const random = prng(7 + suite.aeadId);
      for (let round = 0; round < 5; round++) {
        const { key, client, request, plaintexts } = await sealRequest(40, suite);
        const wire = concat(request.header, ...request.frames);
        const opened = await openChunkedRequest([key], streamOf(...fragment(wire, random)));
        expect(concat(...(await collect(opened.chunks)))).toEqual(concat(...plaintexts));

        const replies = plaintexts.map((p) => p.slice().reverse());
        const sealed = [opened.response.header];
        for (let i = 0; i < replies.length; i++)
          sealed.push(await opened.response.seal(replies[i], i === replies.length - 1));
        const received = await collect(
          client.response.open(streamOf(...fragment(concat(...sealed), random))),
        );
        expect(concat(...received)).toEqual(concat(...replies));
      }
    });
  });

  it('delivers chunks as they arrive, before the stream ends', async () => {
    const { key, request, plaintexts } = await sealRequest(3);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield concat(request.header, request.frames[0]);
      await gate;
      yield concat(...request.frames.slice(1));
    }
    const opened = await openChunkedRequest([key], slow());
    const iterator = opened.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual(plaintexts[0]);
    release();
    expect((await iterator.next()).value).toEqual(plaintexts[1]);
  });

  it('says TRUNCATED when the final chunk is missing or the stream stops inside a chunk', async () => {
    const { key, request } = await sealRequest(4);
    const withoutFinal = concat(request.header, ...request.frames.slice(0, 3));
    expect(await failure(openRequest(key, withoutFinal))).toMatchObject({ code: 'TRUNCATED' });
    const cut = concat(request.header, ...request.frames);
    for (const n of [0, 10, request.header.length + 3, withoutFinal.length - 1]) {
      expect(await failure(openRequest(key, cut.subarray(0, n)))).toMatchObject({ code: 'TRUNCATED' });
    }
  });

  it('says DECRYPT_FAILED for reordered, duplicated or tampered chunks', async () => {
    const { key, request } = await sealRequest(4);
    const [a, b, c, last] = request.frames;
    for (const order of [
      [b, a, c, last],
      [a, a, b, c, last],
      [a, b, b, c, last],
    ]) {
      expect(await failure(openRequest(key, concat(request.header, ...order)))).toMatchObject({
        code: 'DECRYPT_FAILED',
      });
    }
    const wire = concat(request.header, ...request.frames);
    const prefixBytes = new Set<number>();
    for (let at = request.header.length, k = 0; k < request.frames.length; at += request.frames[k++].length) {
      for (let j = 0; j < varintLength(wire[at]); j++) prefixBytes.add(at + j);
    }
    for (let i = request.header.length; i < wire.length; i++) {
      const tampered = wire.slice();
      tampered[i] ^= 0x04;
      const e = await failure(openRequest(key, tampered));
      expect(e).toBeInstanceOf(OhttpError);
      // A changed length prefix can also read as truncation or an oversized chunk; any other byte fails the tag.
      const allowed = prefixBytes.has(i) ? ['DECRYPT_FAILED', 'TRUNCATED', 'MALFORMED'] : ['DECRYPT_FAILED'];
      expect([i, allowed.includes((e as OhttpError).code)]).toEqual([i, true]);
    }
  });

  it('refuses a non-final chunk re-framed as final, and a final chunk framed as non-final', async () => {
    const { key, request } = await sealRequest(3);
    const [a, b, last] = request.frames;
    // A relay dropping the tail and re-marking chunk b as final: b's AAD was empty, so it fails.
    const bAsFinal = concat(Uint8Array.of(0), b.subarray(readVarint(b, 0)!.next));
    expect(await failure(openRequest(key, concat(request.header, a, bAsFinal)))).toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    // The final chunk given a length and followed by more data: its "final" AAD no longer matches.
    const sealedLast = last.subarray(1);
    const lastAsMiddle = concat(encodeVarint(sealedLast.length), sealedLast);
    expect(await failure(openRequest(key, concat(request.header, a, b, lastAsMiddle, last)))).toMatchObject({
      code: 'DECRYPT_FAILED',
    });
  });

  it('does the same for responses: truncation, reordering and re-marking', async () => {
    const { key, client, request } = await sealRequest(2);
    const opened = await openChunkedRequest([key], streamOf(concat(request.header, ...request.frames)));
    await collect(opened.chunks);
    const f = [
      await opened.response.seal(Uint8Array.of(1), false),
      await opened.response.seal(Uint8Array.of(2), false),
      await opened.response.seal(Uint8Array.of(3), true),
    ];
    const open = (...parts: Uint8Array[]) =>
      collect(client.response.open(streamOf(opened.response.header, ...parts)));
    expect(await open(...f)).toEqual([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
    expect(await failure(open(f[0], f[1]))).toMatchObject({ code: 'TRUNCATED' });
    expect(await failure(open(f[1], f[0], f[2]))).toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(await failure(open(f[0], f[0], f[1], f[2]))).toMatchObject({ code: 'DECRYPT_FAILED' });
    const secondAsFinal = concat(Uint8Array.of(0), f[1].subarray(1));
    expect(await failure(open(f[0], secondAsFinal))).toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(
      await failure(collect(client.response.open(streamOf(opened.response.header.subarray(0, 5))))),
    ).toMatchObject({ code: 'TRUNCATED' });
  });

  it('bounds what it buffers: an oversized chunk is MALFORMED', async () => {
    const key = await generateGatewayKey(5);
    const client = await encapsulateChunkedRequest(key.config);
    const big = await client.seal(new Uint8Array(70 * 1024), false);
    const wire = concat(client.header, big, await client.seal(new Uint8Array(0), true));
    expect(await failure(openRequest(key, wire))).toMatchObject({ code: 'MALFORMED' });
    // Only the length prefix is needed to refuse: the opener does not wait for the body it would buffer.
    const prefixOnly = concat(client.header, big.subarray(0, 4));
    expect(await failure(openRequest(key, prefixOnly))).toMatchObject({ code: 'MALFORMED' });
    const bigFinal = concat(client.header, Uint8Array.of(0), new Uint8Array(70 * 1024));
    expect(await failure(openRequest(key, bigFinal))).toMatchObject({ code: 'MALFORMED' });
    // A final chunk that never ends is refused once it passes the bound, not buffered for ever.
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield concat(client.header, Uint8Array.of(0));
      for (;;)
        yield await new Promise<Uint8Array>((resolve) => setImmediate(() => resolve(new Uint8Array(1024))));
    }
    const opened = await openChunkedRequest([key], endless());
    expect(await failure(collect(opened.chunks))).toMatchObject({ code: 'MALFORMED' });
  });

  it('names an unknown key and a stream shorter than the header', async () => {
    const { request } = await sealRequest(1);
    const other = await generateGatewayKey(6);
    expect(await failure(openRequest(other, concat(request.header, ...request.frames)))).toMatchObject({
      code: 'UNKNOWN_KEY',
    });
    expect(await failure(openRequest(other, request.header.subarray(0, 20)))).toMatchObject({
      code: 'TRUNCATED',
    });
  });

  it('refuses an empty non-final chunk, which the draft treats as a decryption error', async () => {
    const key = await generateGatewayKey(5);
    // Sealed below the sealer, which would refuse to produce it.
    const { context, header } = await setupSender(key.config, LABEL.chunkedRequest);
    const empty = new Uint8Array(await context.seal(new Uint8Array(0), new Uint8Array(0)));
    const last = new Uint8Array(await context.seal(Uint8Array.of(1), new TextEncoder().encode('final')));
    const wire = concat(header, encodeVarint(empty.length), empty, Uint8Array.of(0), last);
    expect(await failure(openRequest(key, wire))).toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  it('keeps senders to the draft: nothing after the final chunk, no empty non-final chunk', async () => {
    const key = await generateGatewayKey(5);
    const client = await encapsulateChunkedRequest(key.config);
    expect(() => client.seal(new Uint8Array(0), false)).toThrow(OhttpError);
    await client.seal(Uint8Array.of(1), true);
    expect(() => client.seal(Uint8Array.of(2), false)).toThrow(OhttpError);
  });

  it('carries a streamed Binary HTTP response the way the gateway sends a chat stream', async () => {
    const { key, client, request } = await sealRequest(1);
    const opened = await openChunkedRequest([key], streamOf(concat(request.header, ...request.frames)));
    await collect(opened.chunks);
    const enc = new BhttpResponseStreamEncoder();
    const deltas = ['Hel', 'lo', ' there'].map((d) => new TextEncoder().encode(`data: ${d}\n\n`));
    const wire = [opened.response.header, await opened.response.seal(enc.head(200, new Headers()), false)];
    for (const d of deltas) wire.push(await opened.response.seal(enc.content(d), false));
    wire.push(await opened.response.seal(enc.end(64), true));

    const dec = new BhttpResponseStreamDecoder();
    const received: Uint8Array[] = [];
    for await (const plain of client.response.open(streamOf(...fragment(concat(...wire), prng(1))))) {
      for (const e of dec.push(plain)) if (e.type === 'content') received.push(e.bytes);
    }
    dec.end();
    expect(received).toEqual(deltas);
  });
});
