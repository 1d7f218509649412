import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import type { AuthUser } from '@app/auth';
import {
  CardExportMeta,
  CardOrigin,
  checkCardRegexKeys,
  pngCardOf,
  readCard,
  renderAvatarPng,
  toCardV2,
  toCardV3,
  toPngCardText,
} from './cards';
import { PERSONA_LIMITS } from './dto/limits';
import { countLorebookKeys } from '@app/prompt/lorebook-keys';
import type { PersonaCard, PersonaSettings } from './persona-content';
import { cardOf } from './persona-defaults';
import { currentContent, PersonaView } from './persona.view';
import type { ExportFormat } from './dto/import-persona.query';
import type { PersonaHeader } from './personas.repository';
import { PersonasService } from './personas.service';
import { RenderedCardCache } from './persona-cards.export-cache';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ImportResult extends PersonaView {
  imported: { spec: string; from: CardOrigin; warnings: string[] };
}

export interface ExportedCard {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export const RENDERED_CARD_CACHE_BYTES = 64 * 1024 * 1024;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ccv2: 'application/json; charset=utf-8',
  ccv3: 'application/json; charset=utf-8',
  png: 'image/png',
};

@Injectable()
export class PersonaCardsService {
  // Rendering a large persona's card is tens of milliseconds of event loop, and anyone may ask for a public one
  // over and over; its versions never change, so each is rendered once.
  private readonly rendered = new RenderedCardCache(RENDERED_CARD_CACHE_BYTES);

  constructor(private readonly personas: PersonasService) {}

  async import(
    owner: AuthUser,
    source: { body?: unknown; file?: Buffer },
    settings: Partial<PersonaSettings> & { slug?: string },
  ): Promise<ImportResult> {
    const input = source.file
      ? isPng(source.file)
        ? { png: source.file }
        : { json: source.file }
      : undefined;
    const read = readCard(input ?? { json: requireBody(source.body) }, { deferRegexChecks: true });
    // Over the key limit, the card is refused for that (by create, below) without checking thousands of keys.
    if (countLorebookKeys(read.card.lorebook) <= PERSONA_LIMITS.lorebookKeys)
      await checkCardRegexKeys(read.regexKeys);
    const persona = await this.personas.create(owner, { ...read.card, ...settings });
    return { ...persona, imported: { spec: read.spec, from: read.from, warnings: read.warnings } };
  }

  async export(caller: AuthUser | undefined, idOrSlug: string, format: ExportFormat): Promise<ExportedCard> {
    // Who may read the persona is checked on every request, before any rendered bytes are looked up; the check
    // reads no content, so a kept export costs no megabytes of JSON from the database.
    const header = await this.personas.findReadableHeader(caller, idOrSlug);
    let bytes = this.rendered.get(renderKey(header, format));
    let persona: Pick<PersonaHeader, 'slug'> = header;
    if (!bytes) {
      // Read again in full, and checked again: a new version (or visibility) may have landed in between.
      const full = await this.personas.findReadable(caller, idOrSlug);
      bytes = await render(cardOf(currentContent(full).content), format, {
        createdAt: full.createdAt,
        updatedAt: full.updatedAt,
      });
      this.rendered.set(renderKey(full, format), bytes);
      persona = full;
    }
    const extension = format === 'png' ? 'png' : `${format}.json`;
    return { filename: `${persona.slug}.${extension}`, contentType: CONTENT_TYPES[format], bytes };
  }
}

/** The version row's id is unique across personas; the dates are written into the card, so they key it too. */
function renderKey(persona: PersonaHeader, format: ExportFormat): string {
  const [current] = persona.versions;
  if (!current) throw new Error(`persona ${persona.id} has no version`);
  return [current.id, format, persona.createdAt.getTime(), persona.updatedAt.getTime()].join(':');
}

/** The card's bytes, made a step per turn of the event loop so other requests are answered in between. */
async function render(card: PersonaCard, format: ExportFormat, meta: CardExportMeta): Promise<Buffer> {
  switch (format) {
    case 'ccv2':
      return Buffer.from(JSON.stringify(toCardV2(card, meta)), 'utf8');
    case 'ccv3':
      return Buffer.from(JSON.stringify(toCardV3(card, meta)), 'utf8');
    case 'png': {
      const chara = toPngCardText(toCardV2(card, meta));
      await nextTurn();
      const ccv3 = toPngCardText(toCardV3(card, meta));
      await nextTurn();
      return pngCardOf({ chara, ccv3 }, renderAvatarPng(card.name));
    }
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isPng(file: Buffer): boolean {
  return file.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
}

function requireBody(body: unknown): unknown {
  const empty =
    body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0);
  if (empty) {
    throw new ValidationError(
      'Send a Character Card as a JSON body, or a PNG or JSON card file as multipart/form-data in the field "file".',
    );
  }
  return body;
}
