import { Controller, Get, HttpException, HttpStatus, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { HubPins } from './hub-pins';

function problem(status: HttpStatus, code: string, message: string): HttpException {
  return new HttpException({ error: { code, message } }, status);
}

/**
 * Public, like the api's artifact route: anyone fetches a pinned model from here and checks the bytes against the
 * signed manifest's SHA-256, which Digest and ETag carry (docs/hub.md).
 */
@Controller('hub/artifacts')
export class HubArtifactsController {
  constructor(private readonly pins: HubPins) {}

  @Get(':sha256')
  async artifact(@Param('sha256') sha256: string, @Res() res: Response): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      throw problem(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        'sha256 must be 64 lower-case hex characters',
      );
    const file = this.pins.find(sha256);
    if (!file) throw problem(HttpStatus.NOT_FOUND, 'NOT_FOUND', `This node does not pin ${sha256}`);
    // Replaced or truncated since it was hashed at start: serving it would hand out bytes that fail verification.
    const now = await stat(file.path).catch(() => undefined);
    if (!now || now.size !== file.bytes)
      throw problem(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${sha256} changed on disk since this node started`);
    res.status(200);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(file.bytes));
    res.setHeader('Digest', `sha-256=${Buffer.from(sha256, 'hex').toString('base64')}`);
    res.setHeader('ETag', `"${sha256}"`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    await pipeline(createReadStream(file.path), res).catch(() => res.destroy());
  }
}
