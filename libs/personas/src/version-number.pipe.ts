import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@app/common';

/** PostgreSQL's `integer`, which holds version numbers: a larger one would fail in the database as a 500. */
export const MAX_VERSION_NUMBER = 2 ** 31 - 1;

/** 1 to MAX_VERSION_NUMBER, else 400; the global pipe may already have made the text a number (NaN for "abc"). */
@Injectable()
export class VersionNumberPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const version = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
    if (
      typeof version !== 'number' ||
      !Number.isInteger(version) ||
      version < 1 ||
      version > MAX_VERSION_NUMBER
    ) {
      throw new ValidationError(`version must be a whole number from 1 to ${MAX_VERSION_NUMBER}.`, {
        param: 'version',
      });
    }
    return version;
  }
}
