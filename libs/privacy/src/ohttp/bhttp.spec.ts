import { BHttpDecoder, BHttpEncoder } from 'bhttp-js';
import { concat } from './bytes';
import {
  BhttpResponseEvent,
  BhttpResponseStreamDecoder,
  BhttpResponseStreamEncoder,
  bucketSize,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from './bhttp';
import { OhttpError } from './errors';
import { fragment, fromHex, prng } from './test-helpers';

const chatRequest = (): Request =>
  new Request('https://api.example/v1/chat/completions?trace=1&x=%20y', {
    method: 'POST',
    headers: { authorization: 'PrivateToken token="abc"', 'content-type': 'application/json' },
    body: '{"messages":[{"role":"user","content":"héllo"}]}',
  });

function code(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return e instanceof OhttpError ? e.code : `not an OhttpError: ${String(e)}`;
  }
  return 'decoded';
}

describe('Binary HTTP', () => {
  it('pads to power-of-two buckets of at least 256 bytes', () => {
    expect([0, 1, 256, 257, 512, 513, 1025, 70_000].map(bucketSize)).toEqual([
      256, 256, 256, 512, 512, 1024, 2048, 131072,
    ]);
  });

  it('round-trips a request with its query string, headers and body, padded or not', async () => {
    for (const padTo of [undefined, 1024]) {
      const bytes = await encodeRequest(chatRequest(), { padTo });
      if (padTo) expect(bytes.length).toBe(padTo);
      const decoded = decodeRequest(bytes);
      expect(decoded.method).toBe('POST');
      expect(decoded.url).toBe('https://api.example/v1/chat/completions?trace=1&x=%20y');
      expect(decoded.headers.get('authorization')).toBe('PrivateToken token="abc"');
      expect(await decoded.text()).toBe('{"messages":[{"role":"user","content":"héllo"}]}');
    }
  });

  it('round-trips responses, including 204 with no body', async () => {
    const res = new Response('{"ok":true}', { status: 201, headers: { 'x-private-session-key': 'k1' } });
    const decoded = decodeResponse(await encodeResponse(res, { padTo: bucketSize(30) }));
    expect([decoded.status, decoded.headers.get('x-private-session-key'), await decoded.text()]).toEqual([
      201,
      'k1',
      '{"ok":true}',
    ]);
    expect(decodeResponse(await encodeResponse(new Response(null, { status: 204 }))).status).toBe(204);
  });

  it('reads the RFC 9292 / RFC 9458 example request and its truncated response', async () => {
    // RFC 9458 Appendix A: GET https://example.com/ (known-length, trailers truncated away) and response 200.
    const request = decodeRequest(fromHex('00034745540568747470730b6578616d706c652e636f6d012f'));
    expect([request.method, request.url]).toEqual(['GET', 'https://example.com/']);
    expect(decodeResponse(fromHex('0140c8')).status).toBe(200);
  });

  it('speaks the same wire format as bhttp-js, padding included', async () => {
    const plain = new Request('https://example.com/v1/chain', { headers: { accept: 'application/json' } });
    const ours = await encodeRequest(plain.clone());
    expect(ours).toEqual(await new BHttpEncoder().encodeRequest(plain.clone()));
    const padded = await encodeResponse(new Response('hi', { status: 200 }), { padTo: 256 });
    const theirs = new BHttpDecoder().decodeResponse(padded);
    expect([theirs.status, await theirs.text()]).toEqual([200, 'hi']);
    const fromThem = await new BHttpEncoder().encodeResponse(new Response('yo', { status: 404 }));
    expect(await decodeResponse(fromThem).text()).toBe('yo');
  });

  it('answers every truncation, non-zero padding and random damage with MALFORMED, never a crash', async () => {
    const bytes = await encodeRequest(chatRequest());
    for (let n = 0; n < bytes.length; n++) {
      expect(['decoded', 'MALFORMED']).toContain(code(() => decodeRequest(bytes.subarray(0, n))));
    }
    expect(code(() => decodeRequest(concat(bytes, Uint8Array.of(0, 0, 1))))).toBe('MALFORMED');
    expect(code(() => decodeResponse(bytes))).toBe('MALFORMED');
    const random = prng(3);
    for (let i = 0; i < 3000; i++) {
      const damaged = bytes.slice();
      damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      expect(['decoded', 'MALFORMED']).toContain(code(() => decodeRequest(damaged)));
    }
  });

  describe('streaming response (indeterminate length)', () => {
    async function streamed(padding: number): Promise<Uint8Array> {
      const enc = new BhttpResponseStreamEncoder();
      return concat(
        enc.head(200, new Headers({ 'content-type': 'text/event-stream', 'x-private-session-key': 'k' })),
        enc.content(new TextEncoder().encode('data: {"delta":"Hel"}\n\n')),
        enc.content(new Uint8Array(0)),
        enc.content(new TextEncoder().encode('data: {"delta":"lo"}\n\n')),
        enc.end(padding),
      );
    }

    function decodeAll(pieces: Uint8Array[]): BhttpResponseEvent[] {
      const dec = new BhttpResponseStreamDecoder();
      return [...pieces.flatMap((p) => dec.push(p)), ...dec.end()];
    }

    it('decodes the same events however the bytes are split, padding included', async () => {
      const random = prng(11);
      for (const padding of [0, 100]) {
        const bytes = await streamed(padding);
        for (let round = 0; round < 50; round++) {
          const events = decodeAll(fragment(bytes, random, 8));
          const head = events[0];
          expect(head.type === 'head' && [head.status, head.headers.get('x-private-session-key')]).toEqual([
            200,
            'k',
          ]);
          const body = concat(...events.flatMap((e) => (e.type === 'content' ? [e.bytes] : [])));
          expect(new TextDecoder().decode(body)).toBe('data: {"delta":"Hel"}\n\ndata: {"delta":"lo"}\n\n');
          expect(events.at(-1)).toEqual({ type: 'end' });
        }
        expect(await decodeResponse(bytes).text()).toContain('"lo"');
      }
    });

    it('emits content before the chunk is complete', async () => {
      const enc = new BhttpResponseStreamEncoder();
      const dec = new BhttpResponseStreamDecoder();
      const piece = enc.content(new Uint8Array(100).fill(7));
      dec.push(enc.head(200, new Headers()));
      expect(dec.push(piece.subarray(0, 50))).toEqual([
        { type: 'content', bytes: new Uint8Array(48).fill(7) },
      ]);
    });

    it('says TRUNCATED when the stream stops inside the message, MALFORMED for non-zero padding', async () => {
      const bytes = await streamed(0);
      for (const n of [0, 1, 10, bytes.length - 4]) {
        const dec = new BhttpResponseStreamDecoder();
        dec.push(bytes.subarray(0, n));
        expect(code(() => dec.end())).toBe('TRUNCATED');
      }
      const dec = new BhttpResponseStreamDecoder();
      expect(code(() => dec.push(concat(bytes, Uint8Array.of(0, 9))))).toBe('MALFORMED');
    });

    it('also reads known-length responses and the truncated form', async () => {
      const known = await encodeResponse(new Response('abc', { status: 200 }), { padTo: 300 });
      const events = decodeAll(fragment(known, prng(5), 4));
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['head', 'content', 'end']));
      expect(decodeAll([fromHex('0140c8')]).map((e) => e.type)).toEqual(['head', 'end']);
    });
  });
});
