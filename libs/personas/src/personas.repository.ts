import { Injectable } from '@nestjs/common';
import { isUniqueViolation, Prisma, PrismaService } from '@app/database';
import type { Persona, PersonaVersion, User } from '@app/database';
import type { PersonaContent } from './persona-content';
import { SlugTakenError, VersionConflictError } from './personas.errors';

export type PersonaWithCurrent = Persona & { versions: PersonaVersion[]; owner: Pick<User, 'handle'> };
/** A persona and which version is current, without that version's content (megabytes for a large lorebook). */
export type PersonaHeader = Persona & { versions: Pick<PersonaVersion, 'id' | 'version' | 'hash'>[] };

export interface PersonaRow {
  id: string;
  slug: string;
  ownerId: string;
  ownerHandle: string;
  name: string;
  description: string;
  tags: string[];
  visibility: Persona['visibility'];
  modelId: string;
  verification: Persona['verification'];
  minOperators: number;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SearchFilter {
  q?: string;
  tag?: string;
  /** Set: that owner's personas of every visibility. Unset: public personas only. */
  ownerId?: string;
  limit: number;
  after?: { createdAt: Date; id: string };
  offset?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function searchColumns(
  content: PersonaContent,
): Pick<Persona, 'name' | 'description' | 'tags' | 'visibility' | 'modelId' | 'verification'> {
  return {
    name: content.name,
    description: content.description,
    // Lower-cased for case-insensitive tag filters; the version keeps the creator's spelling.
    tags: content.tags.map((tag) => tag.toLowerCase()),
    visibility: content.visibility,
    modelId: content.modelId,
    verification: content.verification,
  };
}

@Injectable()
export class PersonasRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(input: {
    slug: string;
    ownerId: string;
    content: PersonaContent;
    hash: string;
    minOperators?: number;
  }): Promise<PersonaWithCurrent> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const persona = await tx.persona.create({
          data: {
            slug: input.slug,
            ownerId: input.ownerId,
            currentVersion: 1,
            minOperators: input.minOperators,
            ...searchColumns(input.content),
          },
        });
        await tx.personaVersion.create({
          data: {
            personaId: persona.id,
            version: 1,
            hash: input.hash,
            content: toJson(input.content),
            createdById: input.ownerId,
          },
        });
        return tx.persona.findUniqueOrThrow({ where: { id: persona.id }, include: currentVersionInclude });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'slug')) throw new SlugTakenError(input.slug);
      throw error;
    }
  }

  /** Appends version `expectedVersion + 1`; fails with a conflict if someone else appended first. */
  async appendVersion(input: {
    personaId: string;
    expectedVersion: number;
    slug: string;
    authorId: string;
    content: PersonaContent;
    hash: string;
    minOperators?: number;
  }): Promise<PersonaWithCurrent> {
    const next = input.expectedVersion + 1;
    try {
      return await this.prisma.$transaction(async (tx) => {
        const { count } = await tx.persona.updateMany({
          where: { id: input.personaId, currentVersion: input.expectedVersion, deletedAt: null },
          data: {
            currentVersion: next,
            slug: input.slug,
            minOperators: input.minOperators,
            ...searchColumns(input.content),
          },
        });
        if (count !== 1) throw new VersionConflictError();
        await tx.personaVersion.create({
          data: {
            personaId: input.personaId,
            version: next,
            hash: input.hash,
            content: toJson(input.content),
            createdById: input.authorId,
          },
        });
        return tx.persona.findUniqueOrThrow({
          where: { id: input.personaId },
          include: currentVersionInclude,
        });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'slug')) throw new SlugTakenError(input.slug);
      if (isUniqueViolation(error, 'version')) throw new VersionConflictError();
      throw error;
    }
  }

  findByIdOrSlug(idOrSlug: string): Promise<PersonaWithCurrent | null> {
    const where: Prisma.PersonaWhereInput = UUID.test(idOrSlug)
      ? { id: idOrSlug }
      : { slug: idOrSlug.toLowerCase() };
    return this.prisma.persona.findFirst({
      where: { ...where, deletedAt: null },
      include: currentVersionInclude,
    });
  }

  findHeaderByIdOrSlug(idOrSlug: string): Promise<PersonaHeader | null> {
    const where: Prisma.PersonaWhereInput = UUID.test(idOrSlug)
      ? { id: idOrSlug }
      : { slug: idOrSlug.toLowerCase() };
    return this.prisma.persona.findFirst({
      where: { ...where, deletedAt: null },
      include: {
        versions: { orderBy: { version: 'desc' }, take: 1, select: { id: true, version: true, hash: true } },
      },
    });
  }

  /** An operational setting, not content: no new version. null when the persona is gone. */
  async setMinOperators(id: string, minOperators: number): Promise<PersonaWithCurrent | null> {
    const { count } = await this.prisma.persona.updateMany({
      where: { id, deletedAt: null },
      data: { minOperators },
    });
    return count === 0 ? null : this.findByIdOrSlug(id);
  }

  /** Whether a registered node that may still be routed to (not revoked, not suspect) lists the model. */
  async modelServedByNodes(modelId: string): Promise<boolean> {
    const count = await this.prisma.node.count({
      where: { modelIds: { has: modelId }, status: { notIn: ['revoked', 'suspect'] } },
    });
    return count > 0;
  }

  async slugExists(slug: string): Promise<boolean> {
    return (await this.prisma.persona.count({ where: { slug } })) > 0;
  }

  async softDelete(id: string): Promise<void> {
    await this.prisma.persona.update({ where: { id }, data: { deletedAt: new Date() } });
  }

  listVersions(
    personaId: string,
  ): Promise<Pick<PersonaVersion, 'version' | 'hash' | 'createdAt' | 'createdById'>[]> {
    return this.prisma.personaVersion.findMany({
      where: { personaId },
      orderBy: { version: 'desc' },
      select: { version: true, hash: true, createdAt: true, createdById: true },
    });
  }

  findVersion(personaId: string, version: number): Promise<PersonaVersion | null> {
    return this.prisma.personaVersion.findUnique({ where: { personaId_version: { personaId, version } } });
  }

  /** Full-text (weighted tsvector, GIN) or name trigram similarity for typos, filters first; no q: newest first. */
  search(filter: SearchFilter): Promise<PersonaRow[]> {
    const scope = filter.ownerId
      ? Prisma.sql`p."ownerId" = ${filter.ownerId}::uuid`
      : Prisma.sql`p.visibility = 'public'::"Visibility"`;
    const tag = filter.tag
      ? Prisma.sql`AND p.tags @> ARRAY[${filter.tag.toLowerCase()}]::text[]`
      : Prisma.empty;
    const select = Prisma.sql`
      SELECT p.id, p.slug, p."ownerId", u.handle AS "ownerHandle", p.name, p.description, p.tags, p.visibility,
             p."modelId", p.verification, p."minOperators", p."currentVersion", p."createdAt", p."updatedAt"
      FROM "Persona" p JOIN "User" u ON u.id = p."ownerId"`;
    if (filter.q) {
      const q = filter.q;
      return this.prisma.$queryRaw<PersonaRow[]>`
        WITH query AS (SELECT websearch_to_tsquery('english', ${q}) || websearch_to_tsquery('simple', ${q}) AS ts)
        ${select}, query
        WHERE p."deletedAt" IS NULL AND ${scope} ${tag}
          AND (p."searchVector" @@ query.ts OR ${q} <% p.name)
        ORDER BY ts_rank(p."searchVector", query.ts) + word_similarity(${q}, p.name) DESC, p.id
        LIMIT ${filter.limit} OFFSET ${filter.offset ?? 0}`;
    }
    const after = filter.after
      ? Prisma.sql`AND (p."createdAt", p.id) < (${filter.after.createdAt}, ${filter.after.id}::uuid)`
      : Prisma.empty;
    return this.prisma.$queryRaw<PersonaRow[]>`
      ${select}
      WHERE p."deletedAt" IS NULL AND ${scope} ${tag} ${after}
      ORDER BY p."createdAt" DESC, p.id DESC
      LIMIT ${filter.limit}`;
  }
}

const currentVersionInclude = {
  versions: { orderBy: { version: 'desc' }, take: 1 },
  owner: { select: { handle: true } },
} satisfies Prisma.PersonaInclude;

function toJson(content: PersonaContent): Prisma.InputJsonValue {
  return content as unknown as Prisma.InputJsonValue;
}
