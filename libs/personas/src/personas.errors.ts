import { DomainError, ErrorCode, ForbiddenError, NotFoundError } from '@app/common';

export class PersonaNotFoundError extends NotFoundError {
  constructor(idOrSlug: string) {
    super('Persona', idOrSlug);
  }
}

export class NotPersonaOwnerError extends ForbiddenError {
  constructor() {
    super('Only the creator of this persona may change it.');
  }
}

export class SlugTakenError extends DomainError {
  constructor(slug: string) {
    super(
      ErrorCode.SLUG_TAKEN,
      `The slug "${slug}" is taken; choose another or leave it out to get one made from the name.`,
    );
  }
}

export class VersionConflictError extends DomainError {
  constructor() {
    super(
      ErrorCode.CONFLICT,
      'The persona was edited by someone else at the same time; fetch it and try again.',
    );
  }
}
