import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { RateLimiter } from '@app/rate-limit';
import {
  manifestDigest,
  recoverManifestSigner,
  validateManifest,
  type HubManifest,
} from '../manifest/manifest';
import {
  AddressBoundElsewhereError,
  AnonymousPublisherError,
  BadSignatureError,
  InvalidManifestError,
  NameImpersonationError,
  SlugOwnedError,
  VersionOutOfOrderError,
} from './hub-publish.errors';
import { HubPublishRepository, type ModelHead, type PublishedVersion } from './hub-publish.repository';
import { normalizeModelName } from './model-name';

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

@Injectable()
export class HubPublishService {
  private readonly logger = new Logger(HubPublishService.name);

  constructor(
    private readonly repository: HubPublishRepository,
    private readonly limiter: RateLimiter,
  ) {}

  /** Checks, in order: who may publish, the manifest, the signature and its bound address, the slug, the version. */
  async publish(user: AuthUser, input: { manifest: unknown; signature: unknown }): Promise<PublishedVersion> {
    if (user.anonymous) throw new AnonymousPublisherError();
    // Counted before any work: a refused attempt still costs a signature recovery and a database read.
    await this.limiter.enforce('hubPublish', user.id, 'allow');
    const validation = validateManifest(input.manifest);
    if (!validation.ok) throw new InvalidManifestError(validation.problems);
    const manifest = validation.manifest;
    const signer = this.signerOf(manifest, input.signature);
    const bindAddress = await this.checkAddress(user.id, signer);
    const head = await this.repository.modelHead(manifest.slug);
    await this.checkSlugAndVersion(user.id, manifest, head);
    const published = await this.repository.publish({
      publisherId: user.id,
      bindAddress,
      modelId: head?.id,
      manifest,
      manifestDigest: manifestDigest(manifest),
      signature: input.signature as string,
      signer,
    });
    this.logger.log(`Published ${published.slug}@${published.version} by user ${user.id} (${signer})`);
    return published;
  }

  private signerOf(manifest: HubManifest, signature: unknown): string {
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
      throw new BadSignatureError('must be a 65-byte 0x-hex EIP-712 signature');
    }
    const signer = recoverManifestSigner(manifest, signature);
    if (signer !== manifest.publisher) {
      throw new BadSignatureError(`it was not made by the manifest's publisher ${manifest.publisher}`);
    }
    return signer;
  }

  /** One account, one address: returns the address to bind when this is the account's first publication. */
  private async checkAddress(userId: string, signer: string): Promise<string | undefined> {
    const keys = await this.repository.publisherKeys(userId, signer);
    if (keys.addressOwner !== undefined && keys.addressOwner !== userId)
      throw new AddressBoundElsewhereError(signer);
    if (keys.own === undefined) return signer;
    if (keys.own !== signer) {
      throw new BadSignatureError(`this account publishes with ${keys.own}; sign with that key`);
    }
    return undefined;
  }

  private async checkSlugAndVersion(
    userId: string,
    manifest: HubManifest,
    head: ModelHead | null,
  ): Promise<void> {
    if (head && head.publisherId !== userId) throw new SlugOwnedError(manifest.slug);
    const expected = (head?.latestVersion ?? 0) + 1;
    if (manifest.version !== expected)
      throw new VersionOutOfOrderError(manifest.slug, expected, manifest.version);
    // Every version, not only the first: each rewrites the model's name, and must not take another publisher's.
    await this.checkImpersonation(userId, manifest);
  }

  private async checkImpersonation(userId: string, manifest: HubManifest): Promise<void> {
    const mine = new Set([normalizeModelName(manifest.name), normalizeModelName(manifest.slug)]);
    for (const other of await this.repository.othersModelNames(userId)) {
      if (mine.has(normalizeModelName(other.name)) || mine.has(normalizeModelName(other.slug))) {
        throw new NameImpersonationError(manifest.name, `${other.name} (${other.slug})`);
      }
    }
  }
}
