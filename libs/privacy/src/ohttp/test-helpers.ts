import { CryptoKeyPair } from './constants';
import { own } from './bytes';
import { x25519Kem } from './suites';

export const fromHex = (hex: string): Uint8Array =>
  new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Replays a published ephemeral key: imported as a pair, since raw bytes would make the library derive another. */
export async function keyPairFromHex(secretHex: string, publicHex: string): Promise<CryptoKeyPair> {
  const kem = x25519Kem();
  const privateKey = await kem.importKey('raw', own(fromHex(secretHex)).buffer, false);
  const publicKey = await kem.importKey('raw', own(fromHex(publicHex)).buffer, true);
  return { privateKey, publicKey };
}

export async function* streamOf(...pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of pieces) yield await Promise.resolve(p); // a tick per read, as a socket would
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** A seeded generator, so that a failing random split can be replayed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `bytes` into pieces of random sizes (including empty reads), as TCP might deliver them. */
export function fragment(bytes: Uint8Array, random: () => number, maxPiece = 40): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = Math.floor(random() * maxPiece);
    pieces.push(bytes.slice(at, at + n));
    at += n;
  }
  return pieces;
}

/** The error a promise rejects with (or a marker when it resolves), for asserting on codes. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return new Error('expected a failure, got success');
}
