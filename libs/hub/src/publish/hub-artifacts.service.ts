import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { AppConfig } from '@app/config';
import type { ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ArtifactStore } from './artifact-store';
import {
  ArtifactHashMismatchError,
  ArtifactNotHeldError,
  ArtifactTooLargeError,
  HubModelNotFoundError,
  HubVersionNotFoundError,
  NotModelPublisherError,
  UploadCutOffError,
} from './hub-publish.errors';
import { HubPublishRepository, type VersionRef } from './hub-publish.repository';

export interface UploadRequest {
  slug: string;
  version: number;
  body: Readable;
  /** The Content-Length header, when the client sent one. */
  declaredLength?: number;
  /** Called before a refusal that leaves the body unread, so the connection is not reused. */
  closeAfterResponse(): void;
}

export interface UploadResult {
  slug: string;
  version: number;
  sha256: string;
  bytes: number;
  artifactStored: true;
  /** True when the hub already held these bytes (this version, or another model with the same artifact). */
  alreadyHeld: boolean;
}

export interface ArtifactDownload {
  slug: string;
  version: number;
  sha256: string;
  bytes: number;
  stream: ReadStream;
}

@Injectable()
export class HubArtifactsService {
  private readonly logger = new Logger(HubArtifactsService.name);
  private readonly maxBytes: number;

  constructor(
    private readonly repository: HubPublishRepository,
    private readonly store: ArtifactStore,
    config: AppConfig,
  ) {
    this.maxBytes = config.hub.maxArtifactBytes;
  }

  async upload(user: AuthUser, request: UploadRequest): Promise<UploadResult> {
    const ref = await this.repository.findVersion(request.slug, request.version);
    if (!ref) throw new HubVersionNotFoundError(request.slug, request.version);
    if (ref.publisherId !== user.id) throw new NotModelPublisherError(request.slug);
    const limit = Math.min(ref.bytes, this.maxBytes);
    if (ref.bytes > this.maxBytes || (request.declaredLength ?? 0) > limit) {
      request.closeAfterResponse();
      throw new ArtifactTooLargeError(limit);
    }
    // Content-addressed: bytes the hub holds under this hash are these bytes, whoever uploaded them.
    if (ref.artifactStored || (await this.store.has(ref.sha256))) {
      request.closeAfterResponse();
      if (!ref.artifactStored) await this.repository.markStored(ref.id);
      return this.result(ref, true);
    }
    const outcome = await this.store.put(request.body, ref, limit);
    switch (outcome.kind) {
      case 'too-large':
        request.closeAfterResponse();
        throw new ArtifactTooLargeError(outcome.limit);
      case 'cut-off':
        throw new UploadCutOffError();
      case 'mismatch':
        throw new ArtifactHashMismatchError({ sha256: ref.sha256, bytes: ref.bytes }, outcome.got);
      case 'stored':
        await this.repository.markStored(ref.id);
        this.logger.log(`Stored artifact ${ref.sha256} for ${ref.slug}@${ref.version} (${ref.bytes} bytes)`);
        return this.result(ref, false);
    }
  }

  /** The newest version's bytes, or the given version's; 404 ARTIFACT_NOT_HELD when the hub has no copy. */
  async download(slug: string, version?: number): Promise<ArtifactDownload> {
    const ref = await this.repository.findVersion(slug, version);
    if (!ref)
      throw version === undefined
        ? new HubModelNotFoundError(slug)
        : new HubVersionNotFoundError(slug, version);
    const size = ref.artifactStored ? await this.store.size(ref.sha256) : null;
    if (size !== ref.bytes) throw new ArtifactNotHeldError(ref.slug, ref.version, ref.sha256);
    return {
      slug: ref.slug,
      version: ref.version,
      sha256: ref.sha256,
      bytes: ref.bytes,
      stream: this.store.open(ref.sha256),
    };
  }

  private result(ref: VersionRef, alreadyHeld: boolean): UploadResult {
    return {
      slug: ref.slug,
      version: ref.version,
      sha256: ref.sha256,
      bytes: ref.bytes,
      artifactStored: true,
      alreadyHeld,
    };
  }
}
