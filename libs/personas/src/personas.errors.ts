import { DomainError, ErrorCode, ForbiddenError, NotFoundError, ValidationError } from '@app/common';
import { PERSONA_LIMITS } from './dto/limits';
import { LorebookKeyProblem, quoteKey } from '@app/prompt/lorebook-keys';

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

const LISTED_KEY_PROBLEMS = 50;
const KEY_PROBLEMS_IN_MESSAGE = 3;

/** 400 VALIDATION_FAILED, in the shape the validation pipe uses: `details` lists `{ field, problems }`. */
export class InvalidLorebookKeysError extends ValidationError {
  constructor(found: LorebookKeyProblem[]) {
    const details = found.slice(0, LISTED_KEY_PROBLEMS).map((p) => ({
      field: `lorebook[${p.entry}].${p.list}[${p.index}]`,
      problems: [`${quoteKey(p.key)} ${p.problem}`],
    }));
    const shown = details
      .slice(0, KEY_PROBLEMS_IN_MESSAGE)
      .map((d) => `${d.field}: ${d.problems.join(', ')}`);
    const rest = found.length - shown.length;
    const more = rest > 0 ? ` (and ${rest} more, listed in details)` : '';
    super(`Invalid request: ${shown.join('; ')}${more}`, details);
  }
}

/** Every key is matched on every chat turn, so a lorebook's keys are capped in total, not only per entry. */
export class TooManyLorebookKeysError extends ValidationError {
  constructor(count: number) {
    const problem = `holds ${count} keys (keys and secondaryKeys of all entries together); the limit is ${PERSONA_LIMITS.lorebookKeys}`;
    super(`Invalid request: lorebook ${problem}`, [{ field: 'lorebook', problems: [problem] }]);
  }
}

export class UnknownPersonaModelError extends ValidationError {
  constructor(modelId: string, known: readonly string[]) {
    const problem =
      `"${modelId}" is not a model this platform runs or a registered node serves; ` +
      `use one of: ${known.join(', ')}, or a model GET /v1/nodes lists`;
    super(`Invalid request: modelId ${problem}`, [{ field: 'modelId', problems: [problem] }]);
  }
}
