import { DomainError, ErrorCode, ForbiddenError, NotFoundError, ValidationError } from '@app/common';
import type { ManifestProblem } from '../manifest/manifest';

export class InvalidManifestError extends ValidationError {
  constructor(problems: ManifestProblem[]) {
    super(`The manifest is not valid: ${problems.map((p) => p.field).join(', ')}.`, problems);
  }
}

/** 400 with `signature` named in details: the signature does not come from the address the hub expects. */
export class BadSignatureError extends ValidationError {
  constructor(problem: string) {
    super(`The signature is not valid: ${problem}`, [{ field: 'signature', problems: [problem] }]);
  }
}

export class AddressBoundElsewhereError extends ForbiddenError {
  constructor(address: string) {
    super(`The address ${address} publishes for another account; sign with your own key.`);
  }
}

export class AnonymousPublisherError extends ForbiddenError {
  constructor() {
    super('A private session cannot publish models: use an account of your own.');
  }
}

export class NotModelPublisherError extends ForbiddenError {
  constructor(slug: string) {
    super(`Only the publisher of ${slug} may upload its artifacts.`);
  }
}

export class HubModelNotFoundError extends NotFoundError {
  constructor(slug: string) {
    super('Model', slug);
  }
}

export class HubVersionNotFoundError extends NotFoundError {
  constructor(slug: string, version: number) {
    super('Model version', `${slug}@${version}`);
  }
}

export class SlugOwnedError extends DomainError {
  constructor(slug: string) {
    super(ErrorCode.CONFLICT, `The slug "${slug}" belongs to another publisher; choose another.`, {
      field: 'slug',
    });
  }
}

export class VersionOutOfOrderError extends DomainError {
  constructor(slug: string, expected: number, got: number) {
    super(
      ErrorCode.CONFLICT,
      `${slug} takes version ${expected} next (versions are consecutive and immutable), not ${got}.`,
      { field: 'version', expected },
    );
  }
}

export class NameImpersonationError extends DomainError {
  constructor(name: string, existing: string) {
    super(
      ErrorCode.NAME_IMPERSONATION,
      `"${name}" reads the same as another publisher's model "${existing}"; choose a distinct name and slug.`,
      { existing },
    );
  }
}

export class ArtifactHashMismatchError extends DomainError {
  constructor(expected: { sha256: string; bytes: number }, got: { sha256: string; bytes: number }) {
    super(
      ErrorCode.ARTIFACT_HASH_MISMATCH,
      'The uploaded bytes do not match the signed manifest; nothing was kept.',
      { expected, got },
    );
  }
}

export class ArtifactTooLargeError extends DomainError {
  constructor(limit: number) {
    super(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The artifact is larger than ${limit} bytes (its manifest's size or the hub's limit); nothing was kept.`,
      { limit },
    );
  }
}

export class UploadCutOffError extends ValidationError {
  constructor() {
    super('The upload ended before all its bytes came; nothing was kept.');
  }
}

export class NotOctetStreamError extends DomainError {
  constructor() {
    super(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send the artifact as Content-Type: application/octet-stream.');
  }
}

export class ArtifactNotHeldError extends DomainError {
  constructor(slug: string, version: number, sha256: string) {
    super(
      ErrorCode.ARTIFACT_NOT_HELD,
      `The hub does not hold the bytes of ${slug}@${version}; nodes that pin them are listed at the locations URL.`,
      { sha256, locations: `/v1/hub/artifacts/${sha256}/locations` },
    );
  }
}
