import { randomBytes } from 'node:crypto';
import { concat, own } from './bytes';
import { CryptoKeyPair, LABEL, Suite } from './constants';
import { asDecryptFailure, OhttpError } from './errors';
import { GatewayKey, KeyConfig } from './key-config';
import {
  aadFor,
  aeadOpen,
  aeadSeal,
  chunkNonce,
  deriveResponseKeys,
  Exporter,
  responseNonceLength,
  ResponseKeys,
} from './response-crypto';
import { REQUEST_HEADER_LENGTH, setupRecipient, setupSender } from './setup';
import { StreamReader } from './stream-reader';
import { SuiteParams } from './suites';
import { encodeVarint } from './varint';

/** Ciphertext bytes one chunk may carry before the opener gives up (the draft requires 16 KiB of plaintext). */
export const DEFAULT_MAX_CHUNK_LENGTH = 64 * 1024;

export interface ChunkedOptions {
  maxChunkLength?: number;
}

export interface ChunkedRequestSealer {
  /** hdr || enc, sent first. */
  header: Uint8Array;
  /** Wire bytes of one chunk: varint(len) || ct, or 0 || ct for the final one. Await each before the next. */
  seal(chunk: Uint8Array, final: boolean): Promise<Uint8Array>;
  response: ChunkedResponseOpener;
}

export interface ChunkedResponseOpener {
  /** Plaintext chunks; throws OhttpError TRUNCATED without a final chunk, DECRYPT_FAILED when tampered. */
  open(body: AsyncIterable<Uint8Array>, options?: ChunkedOptions): AsyncIterable<Uint8Array>;
}

export interface ChunkedResponseSealer {
  /** response_nonce, sent first. */
  header: Uint8Array;
  seal(chunk: Uint8Array, final: boolean): Promise<Uint8Array>;
}

/** Guards the draft's rules for senders: no chunk after the final one, and no empty non-final chunk. */
class SendState {
  private finished = false;

  check(chunk: Uint8Array, final: boolean): void {
    if (this.finished) throw new OhttpError('MALFORMED', 'a chunk after the final chunk');
    if (!final && chunk.length === 0)
      throw new OhttpError('MALFORMED', 'a non-final chunk must not be empty');
    if (final) this.finished = true;
  }
}

function frame(sealed: Uint8Array, final: boolean): Uint8Array {
  return concat(encodeVarint(final ? 0 : sealed.length), sealed);
}

/**
 * Reads chunk frames after the header or nonce and yields plaintexts. `open(ct, aad)` must decrypt the next chunk
 * in sequence; reordered, duplicated or re-marked chunks fail there because the nonce sequence or AAD differs.
 */
async function* openFrames(
  reader: StreamReader,
  open: (sealed: Uint8Array, final: boolean) => Promise<Uint8Array>,
  maxChunkLength: number,
): AsyncGenerator<Uint8Array> {
  try {
    for (;;) {
      const length = await reader.readVarint();
      if (length === null) throw new OhttpError('TRUNCATED', 'stream ended before the final chunk');
      if (length > maxChunkLength)
        throw new OhttpError('MALFORMED', `chunk longer than ${maxChunkLength} bytes`);
      if (length === 0) {
        const plaintext = await open(await reader.readToEnd(maxChunkLength), true);
        if (plaintext.length > 0) yield plaintext;
        return;
      }
      const plaintext = await open(await reader.readExactly(length, 'a chunk'), false);
      if (plaintext.length === 0) throw new OhttpError('DECRYPT_FAILED', 'empty non-final chunk');
      yield plaintext;
    }
  } finally {
    await reader.close();
  }
}

/** Responses: one AEAD key, nonce = base XOR counter, "final" AAD on the last chunk (draft §6.2). */
class ResponseChunks {
  private counter = 0;

  constructor(private readonly keys: ResponseKeys) {}

  seal(chunk: Uint8Array, final: boolean): Uint8Array {
    return aeadSeal(this.keys, chunkNonce(this.keys.nonce, this.counter++), aadFor(final), chunk);
  }

  open(sealed: Uint8Array, final: boolean): Uint8Array {
    return aeadOpen(this.keys, chunkNonce(this.keys.nonce, this.counter++), aadFor(final), sealed);
  }
}

function responseOpener(context: Exporter, params: SuiteParams, enc: Uint8Array): ChunkedResponseOpener {
  return {
    async *open(body, options = {}) {
      const reader = StreamReader.of(body);
      let chunks: ResponseChunks;
      try {
        const nonce = await reader.readExactly(responseNonceLength(params), 'the response nonce');
        chunks = new ResponseChunks(
          await deriveResponseKeys(context, params, LABEL.chunkedResponse, enc, nonce),
        );
      } catch (e) {
        await reader.close();
        throw e;
      }
      yield* openFrames(
        reader,
        (sealed, final) => Promise.resolve(chunks.open(sealed, final)),
        maxOf(options),
      );
    },
  };
}

/** Client side of a chunked request (draft §6.1). */
export async function encapsulateChunkedRequest(
  config: KeyConfig,
  options: { suite?: Suite; ephemeralKeyPair?: CryptoKeyPair } = {},
): Promise<ChunkedRequestSealer> {
  const { context, params, enc, header } = await setupSender(config, LABEL.chunkedRequest, options);
  const state = new SendState();
  // HPKE's sequence number is the chunk order, so seals must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    header,
    seal(chunk, final) {
      state.check(chunk, final);
      const sealed = queue.then(async () => {
        const ct = new Uint8Array(await context.seal(own(chunk), own(aadFor(final))));
        return frame(ct, final);
      });
      queue = sealed.catch(() => undefined);
      return sealed;
    },
    response: responseOpener(context, params, enc),
  };
}

/** Gateway side: reads hdr || enc from the stream, then yields the request's plaintext chunks as they arrive. */
export async function openChunkedRequest(
  keys: readonly GatewayKey[],
  body: AsyncIterable<Uint8Array>,
  options: ChunkedOptions & { responseNonce?: Uint8Array /* tests: the draft's example */ } = {},
): Promise<{
  keyId: number;
  enc: Uint8Array;
  chunks: AsyncIterable<Uint8Array>;
  response: ChunkedResponseSealer;
}> {
  const reader = StreamReader.of(body);
  let setup: Awaited<ReturnType<typeof setupRecipient>>;
  let responseKeys: ResponseKeys;
  let responseNonce: Uint8Array;
  try {
    const prefix = await reader.readExactly(REQUEST_HEADER_LENGTH, 'the request header');
    setup = await setupRecipient(keys, LABEL.chunkedRequest, prefix);
    responseNonce = options.responseNonce ?? new Uint8Array(randomBytes(responseNonceLength(setup.params)));
    if (responseNonce.length !== responseNonceLength(setup.params))
      throw new RangeError('bad response nonce length');
    responseKeys = await deriveResponseKeys(
      setup.context,
      setup.params,
      LABEL.chunkedResponse,
      setup.enc,
      responseNonce,
    );
  } catch (e) {
    await reader.close();
    throw e;
  }
  const { context } = setup;
  const open = (sealed: Uint8Array, final: boolean): Promise<Uint8Array> =>
    asDecryptFailure(async () => new Uint8Array(await context.open(own(sealed), own(aadFor(final)))));
  const responseChunks = new ResponseChunks(responseKeys);
  const state = new SendState();
  return {
    keyId: setup.keyId,
    enc: setup.enc,
    chunks: openFrames(reader, open, maxOf(options)),
    response: {
      header: responseNonce,
      seal(chunk, final) {
        state.check(chunk, final);
        return Promise.resolve(frame(responseChunks.seal(chunk, final), final));
      },
    },
  };
}

function maxOf(options: ChunkedOptions): number {
  return options.maxChunkLength ?? DEFAULT_MAX_CHUNK_LENGTH;
}
