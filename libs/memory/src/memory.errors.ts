import { NotFoundError } from '@app/common';

export class MemoryNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Memory', id);
  }
}
