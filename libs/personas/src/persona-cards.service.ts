import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import type { AuthUser } from '@app/auth';
import { CardOrigin, checkCardRegexKeys, readCard, toCardV2, toCardV3, toPngCard } from './cards';
import { PERSONA_LIMITS } from './dto/limits';
import { countLorebookKeys } from './lorebook-keys';
import type { CharacterCardV3, TavernCardV2 } from './cards';
import type { PersonaSettings } from './persona-content';
import { cardOf } from './persona-defaults';
import { currentContent, PersonaView } from './persona.view';
import type { ExportFormat } from './dto/import-persona.query';
import { PersonasService } from './personas.service';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ImportResult extends PersonaView {
  imported: { spec: string; from: CardOrigin; warnings: string[] };
}

export type ExportedCard =
  | { kind: 'json'; filename: string; card: TavernCardV2 | CharacterCardV3 }
  | { kind: 'png'; filename: string; png: Buffer };

/** Character Card V1/V2/V3 in (JSON or PNG), V2/V3 out; the card formats themselves live in ./cards. */
@Injectable()
export class PersonaCardsService {
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
    const persona = await this.personas.findReadable(caller, idOrSlug);
    const { content } = currentContent(persona);
    const card = cardOf(content);
    const meta = { createdAt: persona.createdAt, updatedAt: persona.updatedAt };
    switch (format) {
      case 'ccv2':
        return { kind: 'json', filename: `${persona.slug}.ccv2.json`, card: toCardV2(card, meta) };
      case 'ccv3':
        return { kind: 'json', filename: `${persona.slug}.ccv3.json`, card: toCardV3(card, meta) };
      case 'png':
        return { kind: 'png', filename: `${persona.slug}.png`, png: toPngCard(card, undefined, meta) };
    }
  }
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
