import { Injectable, Logger } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { AppConfig } from '@app/config';
import type { AuthUser } from '@app/auth';
import type { PersonaCard, PersonaContent, PersonaSettings } from './persona-content';
import { findLorebookKeyProblems } from './lorebook-keys';
import { CardInput, completeCard } from './persona-defaults';
import { hashPersonaContent } from './persona-hash';
import { currentContent, PersonaSummary, PersonaView, toPersonaSummary, toPersonaView } from './persona.view';
import { InvalidLorebookKeysError, NotPersonaOwnerError, PersonaNotFoundError } from './personas.errors';
import { PersonasRepository, PersonaWithCurrent } from './personas.repository';
import { decodeCursor, encodeCursor } from './search-cursor';
import { slugify } from './slug';

export type PersonaInput = Partial<CardInput> & Partial<PersonaSettings> & { slug?: string };

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

const CARD_KEYS: (keyof PersonaCard)[] = Object.keys(completeCard({ name: '' })) as (keyof PersonaCard)[];

@Injectable()
export class PersonasService {
  private readonly logger = new Logger(PersonasService.name);

  constructor(
    private readonly personas: PersonasRepository,
    private readonly config: AppConfig,
  ) {}

  async create(owner: AuthUser, input: PersonaInput & { name: string }): Promise<PersonaView> {
    const content = this.contentFrom(input, {
      visibility: input.visibility ?? 'public',
      modelId: input.modelId ?? this.config.defaultModelId,
      verification: input.verification ?? 'none',
    });
    const slug = input.slug ?? (await this.freeSlug(slugify(content.name)));
    const persona = await this.personas.create({
      slug,
      ownerId: owner.id,
      content,
      hash: hashPersonaContent(content),
    });
    this.logger.log(`Persona ${persona.id} created by ${owner.id}`);
    return toPersonaView(persona);
  }

  /** Every accepted edit appends a new immutable version; fields left out keep their current value. */
  async update(caller: AuthUser, id: string, patch: PersonaInput): Promise<PersonaView> {
    const persona = await this.findWritable(caller, id);
    const { version, content: current } = currentContent(persona);
    const merged: PersonaInput & { name: string } = { ...current, ...definedOnly(patch) };
    const content = this.contentFrom(merged, {
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
    if (rows.length > input.limit && last) {
      nextCursor = q
        ? encodeCursor({
            kind: 'offset',
            offset: (cursor?.kind === 'offset' ? cursor.offset : 0) + input.limit,
          })
        : encodeCursor({ kind: 'keyset', createdAt: last.createdAt.toISOString(), id: last.id });
    }
    return { data: page.map(toPersonaSummary), nextCursor };
  }

  /** Private personas are invisible to everyone but their creator (and admins): 404, not 403, so ids don't leak. */
  async findReadable(caller: AuthUser | undefined, idOrSlug: string): Promise<PersonaWithCurrent> {
    const persona = await this.personas.findByIdOrSlug(idOrSlug);
    if (!persona) throw new PersonaNotFoundError(idOrSlug);
    if (persona.visibility === 'private' && !isOwnerOrAdmin(caller, persona))
      throw new PersonaNotFoundError(idOrSlug);
    return persona;
  }

  private async findWritable(caller: AuthUser, idOrSlug: string): Promise<PersonaWithCurrent> {
    const persona = await this.findReadable(caller, idOrSlug);
    if (!isOwnerOrAdmin(caller, persona)) throw new NotPersonaOwnerError();
    return persona;
  }

  /**
   * Regex keys run on every chat turn, so one that can backtrack for ever is refused here, for creates, edits
   * and imports alike; an edit of a persona stored before this check must fix its keys too.
   */
  private contentFrom(input: PersonaInput & { name: string }, settings: PersonaSettings): PersonaContent {
    const card = completeCard(pick(input, CARD_KEYS));
    const keyProblems = findLorebookKeyProblems(card.lorebook);
    if (keyProblems.length > 0) throw new InvalidLorebookKeysError(keyProblems);
    return { ...card, ...settings };
  }

  /** "seraphina", then "seraphina-2", "seraphina-3"…: a made slug never collides; a chosen one may (409). */
  private async freeSlug(base: string): Promise<string> {
    if (!(await this.personas.slugExists(base))) return base;
    for (let n = 2; n < 50; n++) {
      const candidate = `${base}-${n}`;
      if (!(await this.personas.slugExists(candidate))) return candidate;
    }
    return `${base}-${Date.now().toString(36)}`;
  }
}

function isOwnerOrAdmin(caller: AuthUser | undefined, persona: PersonaWithCurrent): boolean {
  return Boolean(caller && (caller.id === persona.ownerId || caller.role === 'admin'));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pick<T extends object>(value: T, keys: readonly PropertyKey[]): CardInput {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as CardInput;
}
