import { LorebookEntry, PersonaCard } from '../persona-content';
import { V3_FIELDS_KEY, restoreUnknownFields, splitExtensions } from './card-extensions';
import {
  CharacterBookEntryV2,
  CharacterCardV3,
  CharacterCardV3Data,
  LorebookEntryV3,
  ParkedV3Fields,
  SPEC_BOOK_FIELDS,
  SPEC_DATA_FIELDS,
  SPEC_ENTRY_FIELDS,
  TavernCardV2,
  TavernCardV2Data,
} from './character-card.types';
import { JsonObject, setOwn } from './json-value';
import { renderAvatarPng } from './png-avatar';
import { replaceTextChunks } from './png-chunks';

export interface CardExportMeta {
  /** When the persona was created: V3 `creation_date`. Pass the imported date when the persona came from a card. */
  createdAt?: Date;
  /** When this version was made: V3 `modification_date`. */
  updatedAt?: Date;
}

/** Character Card V3, exactly as SPEC_V3 lays it out; optional fields are written only when they hold something. */
export function toCardV3(card: PersonaCard, meta: CardExportMeta = {}): CharacterCardV3 {
  const { extensions, unknownFields } = splitExtensions(card.extensions);
  const data: CharacterCardV3Data = {
    ...commonFields(card),
    extensions,
    group_only_greetings: [...card.groupOnlyGreetings],
  };
  const book = toLorebook(card, toEntryV3);
  if (book) data.character_book = book;
  Object.assign(data, v3OnlyFields(card, meta));
  restoreUnknownFields(data, unknownFields, SPEC_DATA_FIELDS);
  return { spec: 'chara_card_v3', spec_version: '3.0', data };
}

/** Per spec_v2; what V2 has no field for is parked under `extensions['twinproof/ccv3']` (see card-extensions.ts). */
export function toCardV2(card: PersonaCard, meta: CardExportMeta = {}): TavernCardV2 {
  const { extensions, unknownFields } = splitExtensions(card.extensions);
  const parked: ParkedV3Fields = v3OnlyFields(card, meta);
  if (card.groupOnlyGreetings.length > 0) parked.group_only_greetings = [...card.groupOnlyGreetings];
  if (Object.keys(parked).length > 0) setOwn(extensions, V3_FIELDS_KEY, parked);
  const data: TavernCardV2Data = { ...commonFields(card), extensions };
  const book = toLorebook(card, toEntryV2);
  if (book) data.character_book = book;
  restoreUnknownFields(data, unknownFields, SPEC_DATA_FIELDS);
  return { spec: 'chara_card_v2', spec_version: '2.0', data };
}

/**
 * V3 JSON in a `ccv3` tEXt chunk and V2 in `chara` for older readers, base64 of UTF-8 as SillyTavern writes; other
 * chunks of `basePng` are kept byte for byte. Without one, a generated avatar carries the card.
 */
export function toPngCard(card: PersonaCard, basePng?: Buffer, meta: CardExportMeta = {}): Buffer {
  const texts = { chara: toPngCardText(toCardV2(card, meta)), ccv3: toPngCardText(toCardV3(card, meta)) };
  return pngCardOf(texts, basePng ?? renderAvatarPng(card.name));
}

export function toPngCardText(card: TavernCardV2 | CharacterCardV3): string {
  return Buffer.from(JSON.stringify(card), 'utf8').toString('base64');
}

/** toPngCard from ready texts, so a caller can make each in its own event-loop turn (megabytes for a large persona). */
export function pngCardOf(texts: { chara: string; ccv3: string }, png: Buffer): Buffer {
  return replaceTextChunks(
    png,
    ['chara', 'ccv3'],
    [
      { keyword: 'chara', text: texts.chara },
      { keyword: 'ccv3', text: texts.ccv3 },
    ],
  );
}

/** The fields V2 and V3 share, in the order the specs list them. */
function commonFields(card: PersonaCard) {
  return {
    name: card.name,
    description: card.description,
    personality: card.personality,
    scenario: card.scenario,
    first_mes: card.firstMessage,
    mes_example: card.exampleDialogues,
    creator_notes: card.creatorNotes,
    system_prompt: card.systemPrompt,
    post_history_instructions: card.postHistoryInstructions,
    alternate_greetings: [...card.alternateGreetings],
    tags: [...card.tags],
    creator: card.creator,
    character_version: card.characterVersion,
  };
}

/** V3's own optional fields (group-only greetings aside, which V3 requires); empty ones are left out. */
function v3OnlyFields(card: PersonaCard, meta: CardExportMeta): ParkedV3Fields {
  const fields: ParkedV3Fields = {};
  if (card.nickname !== '') fields.nickname = card.nickname;
  if (Object.keys(card.creatorNotesMultilingual).length > 0)
    fields.creator_notes_multilingual = { ...card.creatorNotesMultilingual };
  if (card.source.length > 0) fields.source = [...card.source];
  if (card.assets.length > 0) fields.assets = card.assets.map((asset) => ({ ...asset }));
  if (meta.createdAt) fields.creation_date = unixSeconds(meta.createdAt);
  if (meta.updatedAt) fields.modification_date = unixSeconds(meta.updatedAt);
  return fields;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

interface WrittenBook<Entry> extends JsonObject {
  name: string;
  description: string;
  scan_depth?: number;
  token_budget?: number;
  recursive_scanning: boolean;
  extensions: JsonObject;
  entries: Entry[];
}

/** The book is written when it has entries or any setting differs from the empty book a card without one reads as. */
function toLorebook<Entry>(
  card: PersonaCard,
  toEntry: (entry: LorebookEntry) => Entry,
): WrittenBook<Entry> | undefined {
  const settings = card.lorebookSettings;
  const { extensions, unknownFields } = splitExtensions(settings.extensions);
  const isEmpty =
    card.lorebook.length === 0 &&
    settings.name === '' &&
    settings.description === '' &&
    settings.scanDepth === null &&
    settings.tokenBudget === null &&
    !settings.recursiveScanning &&
    Object.keys(settings.extensions).length === 0;
  if (isEmpty) return undefined;
  const book: WrittenBook<Entry> = {
    name: settings.name,
    description: settings.description,
    recursive_scanning: settings.recursiveScanning,
    extensions,
    entries: card.lorebook.map(toEntry),
  };
  if (settings.scanDepth !== null) book.scan_depth = settings.scanDepth;
  if (settings.tokenBudget !== null) book.token_budget = settings.tokenBudget;
  restoreUnknownFields(book, unknownFields, SPEC_BOOK_FIELDS);
  return book;
}

function entryFields(entry: LorebookEntry, extensions: JsonObject) {
  return {
    keys: [...entry.keys],
    content: entry.content,
    extensions,
    enabled: entry.enabled,
    insertion_order: entry.insertionOrder,
    name: entry.name,
    priority: entry.priority,
    comment: entry.comment,
    selective: entry.selective,
    secondary_keys: [...entry.secondaryKeys],
    constant: entry.constant,
    position: entry.position,
  };
}

function toEntryV3(entry: LorebookEntry): LorebookEntryV3 {
  const { extensions, unknownFields } = splitExtensions(entry.extensions);
  const written: LorebookEntryV3 = {
    ...entryFields(entry, extensions),
    case_sensitive: entry.caseSensitive,
    use_regex: entry.useRegex,
  };
  restoreUnknownFields(written, unknownFields, SPEC_ENTRY_FIELDS);
  return written;
}

function toEntryV2(entry: LorebookEntry): CharacterBookEntryV2 {
  const { extensions, unknownFields } = splitExtensions(entry.extensions);
  const parked: JsonObject = {};
  if (entry.useRegex) parked.use_regex = true;
  if (entry.caseSensitive) parked.case_sensitive = true;
  if (Object.keys(parked).length > 0) setOwn(extensions, V3_FIELDS_KEY, parked);
  const written: CharacterBookEntryV2 = entryFields(entry, extensions);
  restoreUnknownFields(written, unknownFields, SPEC_ENTRY_FIELDS);
  return written;
}
