import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import { ModelRegistry } from '@app/inference';
import type { AuthUser } from '@app/auth';
import type { PersonaCard, PersonaContent, PersonaSettings } from './persona-content';
import { countLorebookKeys, findLorebookKeyProblemsInSlices } from '@app/prompt/lorebook-keys';
import { PERSONA_LIMITS } from './dto/limits';
import { CardInput, completeCard } from './persona-defaults';
import { hashPersonaContent } from './persona-hash';
import { currentContent, PersonaSummary, PersonaView, toPersonaSummary, toPersonaView } from './persona.view';
import {
  InvalidLorebookKeysError,
  NotPersonaOwnerError,
  PersonaNotFoundError,
  SlugTakenError,
  TooManyLorebookKeysError,
  UnknownPersonaModelError,
} from './personas.errors';
import { PersonaHeader, PersonasRepository, PersonaWithCurrent } from './personas.repository';
import { decodeCursor, encodeCursor, MAX_SEARCH_OFFSET } from './search-cursor';
import { slugify } from './slug';

export type PersonaInput = Partial<CardInput> &
  Partial<PersonaSettings> & {
    slug?: string;
    /** Operational, kept on the persona row (not in the versioned content). */
    minOperators?: number;
  };

export interface SearchInput {
  q?: string;
  tag?: string;
  owner?: 'me';
  limit: number;
  cursor?: string;
}

export interface VersionSummary {
  version: number;
  hash: string;
  createdAt: Date;
  createdById: string;
}

/** Concurrent creates of one name each lose at most one race per attempt; past this, a random suffix. */
const MADE_SLUG_ATTEMPTS = 8;

const CARD_KEYS: (keyof PersonaCard)[] = Object.keys(completeCard({ name: '' })) as (keyof PersonaCard)[];

@Injectable()
export class PersonasService {
  private readonly logger = new Logger(PersonasService.name);

  constructor(
    private readonly personas: PersonasRepository,
    private readonly config: AppConfig,
    private readonly models: ModelRegistry,
  ) {}

  async create(owner: AuthUser, input: PersonaInput & { name: string }): Promise<PersonaView> {
    await this.checkModel(input.modelId ?? this.config.defaultModelId);
    const content = await this.contentFrom(input, {
      visibility: input.visibility ?? 'public',
      modelId: input.modelId ?? this.config.defaultModelId,
      verification: input.verification ?? 'none',
    });
    const record = {
      ownerId: owner.id,
      content,
      hash: hashPersonaContent(content),
      minOperators: input.minOperators,
    };
    const persona = input.slug
      ? await this.personas.create({ ...record, slug: input.slug })
      : await this.createWithMadeSlug(slugify(content.name), record);
    this.logger.log(`Persona ${persona.id} created by ${owner.id}`);
    return toPersonaView(persona);
  }

  async update(caller: AuthUser, id: string, patch: PersonaInput): Promise<PersonaView> {
    const persona = await this.findWritable(caller, id);
    // Only a model being chosen now is checked: an edit of other fields still works after a model is retired.
    if (patch.modelId !== undefined) await this.checkModel(patch.modelId);
    const changed = Object.keys(definedOnly(patch));
    if (changed.length === 1 && changed[0] === 'minOperators' && patch.minOperators !== undefined) {
      // The card is unchanged: its version (and hash, which receipts commit to) stays.
      const updated = await this.personas.setMinOperators(persona.id, patch.minOperators);
      if (!updated) throw new PersonaNotFoundError(id);
      return toPersonaView(updated);
    }
    const { version, content: current } = currentContent(persona);
    const merged: PersonaInput & { name: string } = { ...current, ...definedOnly(patch) };
    const content = await this.contentFrom(merged, {
      visibility: merged.visibility ?? current.visibility,
      modelId: merged.modelId ?? current.modelId,
      verification: merged.verification ?? current.verification,
    });
    const updated = await this.personas.appendVersion({
      personaId: persona.id,
      expectedVersion: version,
      slug: patch.slug ?? persona.slug,
      authorId: caller.id,
      content,
      hash: hashPersonaContent(content),
      minOperators: patch.minOperators,
    });
    return toPersonaView(updated);
  }

  async get(caller: AuthUser | undefined, idOrSlug: string): Promise<PersonaView> {
    return toPersonaView(await this.findReadable(caller, idOrSlug));
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    const persona = await this.findWritable(caller, id);
    await this.personas.softDelete(persona.id);
    this.logger.log(`Persona ${persona.id} deleted by ${caller.id}`);
  }

  async versions(caller: AuthUser | undefined, idOrSlug: string): Promise<VersionSummary[]> {
    const persona = await this.findReadable(caller, idOrSlug);
    return this.personas.listVersions(persona.id);
  }

  async version(
    caller: AuthUser | undefined,
    idOrSlug: string,
    version: number,
  ): Promise<VersionSummary & { content: PersonaContent }> {
    const persona = await this.findReadable(caller, idOrSlug);
    const found = await this.personas.findVersion(persona.id, version);
    if (!found) throw new PersonaNotFoundError(`${idOrSlug} version ${version}`);
    return {
      version: found.version,
      hash: found.hash,
      createdAt: found.createdAt,
      createdById: found.createdById,
      content: found.content as unknown as PersonaContent,
    };
  }

  async search(
    caller: AuthUser | undefined,
    input: SearchInput,
  ): Promise<{ data: PersonaSummary[]; nextCursor: string | null }> {
    if (input.owner === 'me' && !caller) throw new ValidationError('owner=me needs an API key');
    const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
    const q = input.q?.trim() || undefined;
    if (cursor && (cursor.kind === 'offset') !== Boolean(q)) {
      throw new ValidationError('cursor belongs to a different query: start again without it');
    }
    // One extra row tells whether there is a next page without a count query.
    const rows = await this.personas.search({
      q,
      tag: input.tag?.trim() || undefined,
      ownerId: input.owner === 'me' ? caller?.id : undefined,
      limit: input.limit + 1,
      offset: cursor?.kind === 'offset' ? cursor.offset : undefined,
      after: cursor?.kind === 'keyset' ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
    });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    let nextCursor: string | null = null;
    const nextOffset = (cursor?.kind === 'offset' ? cursor.offset : 0) + input.limit;
    if (rows.length > input.limit && last) {
      if (!q) {
        nextCursor = encodeCursor({ kind: 'keyset', createdAt: last.createdAt.toISOString(), id: last.id });
      } else if (nextOffset <= MAX_SEARCH_OFFSET) {
        // Ranked results end at MAX_SEARCH_OFFSET: a narrower query finds what lies beyond.
        nextCursor = encodeCursor({ kind: 'offset', offset: nextOffset });
      }
    }
    return { data: page.map(toPersonaSummary), nextCursor };
  }

  /** Private personas are invisible to everyone but their creator (and admins): 404, not 403, so ids don't leak. */
  async findReadable(caller: AuthUser | undefined, idOrSlug: string): Promise<PersonaWithCurrent> {
    return readableOrNotFound(caller, idOrSlug, await this.personas.findByIdOrSlug(idOrSlug));
  }

  /** findReadable, same check, without loading the current version's content (card export's cache key). */
  async findReadableHeader(caller: AuthUser | undefined, idOrSlug: string): Promise<PersonaHeader> {
    return readableOrNotFound(caller, idOrSlug, await this.personas.findHeaderByIdOrSlug(idOrSlug));
  }

  private async findWritable(caller: AuthUser, idOrSlug: string): Promise<PersonaWithCurrent> {
    const persona = await this.findReadable(caller, idOrSlug);
    if (!isOwnerOrAdmin(caller, persona)) throw new NotPersonaOwnerError();
    return persona;
  }

  /** Regex keys run every chat turn: one that can backtrack for ever is refused on create, edit and import alike. */
  private async contentFrom(
    input: PersonaInput & { name: string },
    settings: PersonaSettings,
  ): Promise<PersonaContent> {
    const card = completeCard(pick(input, CARD_KEYS));
    const keyCount = countLorebookKeys(card.lorebook);
    if (keyCount > PERSONA_LIMITS.lorebookKeys) throw new TooManyLorebookKeysError(keyCount);
    const keyProblems = await findLorebookKeyProblemsInSlices(card.lorebook);
    if (keyProblems.length > 0) throw new InvalidLorebookKeysError(keyProblems);
    return { ...card, ...settings };
  }

  /** A persona that names a model this platform cannot run would fail on its first chat; it fails here instead. */
  // A model only node processes serve (an upstream a node fronts, a GGUF file) is as good as one this api runs:
  // the router sends the persona's replies to those nodes.
  private async checkModel(modelId: string): Promise<void> {
    if (this.models.has(modelId) || (await this.personas.modelServedByNodes(modelId))) return;
    throw new UnknownPersonaModelError(modelId, this.models.knownModelIds());
  }

  /**
   * "seraphina", then "seraphina-2", "seraphina-3"…: a made slug never collides; a chosen one may (409). The
   * insert itself decides: two creates that both saw a slug free race for it, and the loser takes the next one.
   */
  private async createWithMadeSlug(
    base: string,
    record: { ownerId: string; content: PersonaContent; hash: string; minOperators?: number },
  ): Promise<PersonaWithCurrent> {
    for (let attempt = 0; attempt < MADE_SLUG_ATTEMPTS; attempt++) {
      const slug = await this.freeSlug(base);
      try {
        return await this.personas.create({ ...record, slug });
      } catch (error) {
        if (!(error instanceof SlugTakenError)) throw error;
      }
    }
    return this.personas.create({ ...record, slug: `${base}-${randomBytes(4).toString('hex')}` });
  }

  private async freeSlug(base: string): Promise<string> {
    if (!(await this.personas.slugExists(base))) return base;
    for (let n = 2; n < 50; n++) {
      const candidate = `${base}-${n}`;
      if (!(await this.personas.slugExists(candidate))) return candidate;
    }
    return `${base}-${randomBytes(4).toString('hex')}`;
  }
}

function readableOrNotFound<T extends Pick<PersonaWithCurrent, 'visibility' | 'ownerId'>>(
  caller: AuthUser | undefined,
  idOrSlug: string,
  persona: T | null,
): T {
  if (!persona) throw new PersonaNotFoundError(idOrSlug);
  if (persona.visibility === 'private' && !isOwnerOrAdmin(caller, persona))
    throw new PersonaNotFoundError(idOrSlug);
  return persona;
}

function isOwnerOrAdmin(caller: AuthUser | undefined, persona: Pick<PersonaWithCurrent, 'ownerId'>): boolean {
  return Boolean(caller && (caller.id === persona.ownerId || caller.role === 'admin'));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pick<T extends object>(value: T, keys: readonly PropertyKey[]): CardInput {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as CardInput;
}
