import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const TEMP_PREFIX = '.upload-';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export class StreamTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`stream longer than ${limit} bytes`);
  }
}

export type StoreOutcome =
  | { kind: 'stored' }
  | { kind: 'mismatch'; got: { sha256: string; bytes: number } }
  | { kind: 'too-large'; limit: number }
  | { kind: 'cut-off' };

/** Hashes and counts what passes through; fails as soon as more than `limit` bytes have come. */
class MeteredHash extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new StreamTooLongError(this.limit));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/**
 * Artifacts on disk, content-addressed: `<blobDir>/<sha256 hex>`. A blob only ever appears under its name by a rename
 * of a fully written and verified temp file, so a reader never sees a partial or wrong blob.
 */
@Injectable()
export class ArtifactStore {
  readonly dir: string;

  constructor(config: AppConfig) {
    this.dir = config.hub.blobDir;
  }

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new TypeError('not a SHA-256 hex digest');
    return join(this.dir, sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async size(sha256: string): Promise<number | null> {
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch {
      return null;
    }
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.pathOf(sha256));
  }

  /**
   * Streams `source` to a temp file while hashing it, and keeps it as the blob only when its SHA-256 and length are
   * the expected ones. Whatever happens otherwise (mismatch, over `limit`, the source failing or cut off), the temp
   * file is removed. A failure other than these (the disk) is rethrown.
   */
  async put(
    source: Readable,
    expected: { sha256: string; bytes: number },
    limit: number,
  ): Promise<StoreOutcome> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
    const meter = new MeteredHash(limit);
    // Piped by hand rather than through pipeline(): pipeline would destroy the request on a refusal, and with it the
    // connection the 413 has to go back on. A source closed before its end (a cut-off upload) fails the meter.
    source.pipe(meter);
    const stopWatching = finished(source, (error) => {
      if (error) meter.destroy(error);
    });
    try {
      await pipeline(meter, createWriteStream(temp, { flags: 'wx' }));
    } catch (error) {
      source.unpipe(meter);
      source.pause();
      await rm(temp, { force: true });
      if (error instanceof StreamTooLongError) return { kind: 'too-large', limit };
      // The client went away before the end: nobody to answer, and nothing wrong on this side.
      if (source.readableAborted || (source.destroyed && !source.readableEnded)) return { kind: 'cut-off' };
      throw error;
    } finally {
      stopWatching();
    }
    const got = { sha256: meter.hash.digest('hex'), bytes: meter.bytes };
    if (got.sha256 !== expected.sha256 || got.bytes !== expected.bytes) {
      await rm(temp, { force: true });
      return { kind: 'mismatch', got };
    }
    // Same name, same bytes: replacing a blob that a concurrent upload just stored changes nothing.
    await rename(temp, this.pathOf(expected.sha256));
    return { kind: 'stored' };
  }
}
