import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/common';
import { isUniqueViolation, Prisma, PrismaService } from '@app/database';
import type { HubManifest } from '../manifest/manifest';
import { modelColumns } from '../manifest/model-columns';
import { AddressBoundElsewhereError, HubModelNotFoundError, SlugOwnedError } from './hub-publish.errors';

export interface PublishedVersion {
  slug: string;
  version: number;
  manifest: HubManifest;
  manifestDigest: string;
  signature: string;
  signer: string;
  sha256: string;
  bytes: number;
  artifactStored: boolean;
  createdAt: Date;
}

export interface ModelHead {
  id: string;
  slug: string;
  publisherId: string;
  latestVersion: number;
}

export interface VersionRef {
  id: string;
  slug: string;
  publisherId: string;
  version: number;
  sha256: string;
  bytes: number;
  artifactStored: boolean;
}

export interface NewVersion {
  publisherId: string;
  /** Bind this address to the publisher in the same transaction (its first publication). */
  bindAddress?: string;
  /** The model's id when it exists; otherwise the model is created. */
  modelId?: string;
  manifest: HubManifest;
  manifestDigest: string;
  signature: string;
  signer: string;
}

class ConcurrentPublishError extends DomainError {
  constructor(slug: string) {
    super(
      ErrorCode.CONFLICT,
      `Another version of ${slug} was published at the same moment; fetch it and retry.`,
    );
  }
}

@Injectable()
export class HubPublishRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The address this account signs with, and the account (if any) that the given address is bound to. */
  async publisherKeys(userId: string, address: string): Promise<{ own?: string; addressOwner?: string }> {
    const [own, bound] = await Promise.all([
      this.prisma.hubPublisherKey.findUnique({ where: { userId } }),
      this.prisma.hubPublisherKey.findUnique({ where: { address } }),
    ]);
    return { own: own?.address, addressOwner: bound?.userId };
  }

  async modelHead(slug: string): Promise<ModelHead | null> {
    const model = await this.prisma.hubModel.findUnique({
      where: { slug },
      select: {
        id: true,
        slug: true,
        publisherId: true,
        versions: { select: { version: true }, orderBy: { version: 'desc' }, take: 1 },
      },
    });
    if (!model) return null;
    return {
      id: model.id,
      slug: model.slug,
      publisherId: model.publisherId,
      latestVersion: model.versions[0]?.version ?? 0,
    };
  }

  /**
   * Every other publisher's model names and slugs. A full read: confusable names cannot be matched by an index on the
   * stored text, and publishing is rare and rate limited.
   */
  othersModelNames(publisherId: string): Promise<{ slug: string; name: string }[]> {
    return this.prisma.hubModel.findMany({
      where: { publisherId: { not: publisherId } },
      select: { slug: true, name: true },
    });
  }

  async publish(input: NewVersion): Promise<PublishedVersion> {
    const m = input.manifest;
    try {
      return await this.prisma.$transaction(async (tx) => {
        if (input.bindAddress) {
          await tx.hubPublisherKey.create({
            data: { userId: input.publisherId, address: input.bindAddress },
          });
        }
        const model = input.modelId
          ? await tx.hubModel.update({ where: { id: input.modelId }, data: modelColumns(m) })
          : await tx.hubModel.create({
              data: { slug: m.slug, publisherId: input.publisherId, ...modelColumns(m) },
            });
        const row = await tx.hubModelVersion.create({
          data: {
            modelId: model.id,
            version: m.version,
            manifest: m as unknown as Prisma.InputJsonObject,
            manifestDigest: input.manifestDigest,
            signature: input.signature,
            signer: input.signer,
            sha256: m.sha256,
            bytes: BigInt(m.bytes),
          },
        });
        return {
          slug: model.slug,
          version: row.version,
          manifest: m,
          manifestDigest: row.manifestDigest,
          signature: row.signature,
          signer: row.signer,
          sha256: row.sha256,
          bytes: Number(row.bytes),
          artifactStored: row.artifactStored,
          createdAt: row.createdAt,
        };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'address') && input.bindAddress) {
        throw new AddressBoundElsewhereError(input.bindAddress);
      }
      if (isUniqueViolation(error, 'slug')) throw new SlugOwnedError(m.slug);
      if (isUniqueViolation(error)) throw new ConcurrentPublishError(m.slug);
      throw error;
    }
  }

  /** A version of a model; its newest when `version` is undefined. */
  async findVersion(slug: string, version?: number): Promise<VersionRef | null> {
    const row = await this.prisma.hubModelVersion.findFirst({
      where: { model: { slug }, ...(version === undefined ? {} : { version }) },
      orderBy: { version: 'desc' },
      select: {
        id: true,
        version: true,
        sha256: true,
        bytes: true,
        artifactStored: true,
        model: { select: { slug: true, publisherId: true } },
      },
    });
    if (!row) return null;
    return {
      id: row.id,
      slug: row.model.slug,
      publisherId: row.model.publisherId,
      version: row.version,
      sha256: row.sha256,
      bytes: Number(row.bytes),
      artifactStored: row.artifactStored,
    };
  }

  async markStored(versionId: string): Promise<void> {
    await this.prisma.hubModelVersion.update({ where: { id: versionId }, data: { artifactStored: true } });
  }

  /** Hiding again keeps the first hiddenAt: when the takedown happened is what a reader wants to know. */
  async setHidden(slug: string, hidden: boolean): Promise<{ slug: string; hiddenAt: Date | null }> {
    const model = await this.prisma.hubModel.findUnique({
      where: { slug },
      select: { slug: true, hiddenAt: true },
    });
    if (!model) throw new HubModelNotFoundError(slug);
    if ((model.hiddenAt !== null) === hidden) return model;
    return this.prisma.hubModel.update({
      where: { slug },
      data: { hiddenAt: hidden ? new Date() : null },
      select: { slug: true, hiddenAt: true },
    });
  }
}
