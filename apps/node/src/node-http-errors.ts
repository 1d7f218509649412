import { HttpException, HttpStatus } from '@nestjs/common';

/** The api's error shape, { error: { code, message } }, so RemoteNodeClient and people read one format. */
export function nodeError(status: HttpStatus, code: string, message: string): HttpException {
  return new HttpException({ error: { code, message } }, status);
}
