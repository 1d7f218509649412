import { CardAsset, PersonaCard } from '../persona-content';
import { FieldReader } from './card-fields';
import { keepUnknownFields, splitExtensions, withParkedV3Fields } from './card-extensions';
import { CardIssues } from './card-issues';
import { MAX_TAGS, MAX_TAG_CHARS, MAX_TEXT_FIELD_BYTES, formatBytes } from './card-limits';
import { countChars } from './card-text';
import { SPEC_DATA_FIELDS } from './character-card.types';
import { JsonCloner, JsonObject, describeJson, isJsonObject } from './json-value';
import { readLorebook } from './lorebook-reader';

export interface CardDataRead {
  card: PersonaCard;
  /** V3 `creation_date` / `modification_date`; absent, or 0 ("unknown" in the spec), gives undefined. */
  createdAt?: Date;
  updatedAt?: Date;
}

/** A card's `data` object (or a V1 card's flat fields) → PersonaCard, with every problem recorded in `issues`. */
export function readCardData(source: JsonObject, path: string, issues: CardIssues): CardDataRead {
  const data = new FieldReader(withParkedV3Fields(source), path, issues, new JsonCloner(issues));
  const lorebook = readLorebook(data);
  const card: PersonaCard = {
    name: readName(data),
    nickname: data.text('nickname', 'name'),
    description: data.text('description'),
    personality: data.text('personality'),
    scenario: data.text('scenario'),
    firstMessage: data.text('first_mes'),
    exampleDialogues: data.text('mes_example'),
    alternateGreetings: data.textList('alternate_greetings'),
    groupOnlyGreetings: data.textList('group_only_greetings'),
    systemPrompt: data.text('system_prompt'),
    postHistoryInstructions: data.text('post_history_instructions'),
    creatorNotes: data.text('creator_notes'),
    creatorNotesMultilingual: data.textRecord('creator_notes_multilingual'),
    tags: readTags(data),
    creator: data.text('creator'),
    characterVersion: readCharacterVersion(data),
    source: data.textList('source'),
    assets: readAssets(data),
    lorebook: lorebook.entries,
    lorebookSettings: lorebook.settings,
    // Fields the specs do not define are kept inside `extensions` under UNKNOWN_FIELDS_KEY (see card-extensions.ts).
    extensions: keepUnknownFields(
      splitExtensions(data.extensions()).extensions,
      data.unknownFields(SPEC_DATA_FIELDS),
    ),
  };
  return { card, createdAt: readDate(data, 'creation_date'), updatedAt: readDate(data, 'modification_date') };
}

function readName(data: FieldReader): string {
  const value = data.source.name;
  if (value === undefined || value === null) {
    data.issues.invalidAt(data.at('name'), 'is missing: a character card needs a name');
    return '';
  }
  if (typeof value === 'string' && value.trim() === '') {
    data.issues.invalidAt(data.at('name'), 'is empty: a character card needs a name');
    return value;
  }
  return data.text('name', 'name');
}

/** Trimmed, empty ones dropped, duplicates (ignoring case, as the spec asks tag filters to) removed. */
function readTags(data: FieldReader): string[] {
  const tags: string[] = [];
  const seen = new Set<string>();
  // SillyTavern's V1 cards store tags as one comma-separated string.
  for (const raw of data.textList('tags', 'none', true)) {
    const tag = raw.trim();
    const folded = tag.toLowerCase();
    if (tag === '' || seen.has(folded)) continue;
    seen.add(folded);
    tags.push(tag);
    const chars = countChars(tag);
    if (chars > MAX_TAG_CHARS) {
      data.issues.tooLargeAt(
        data.at('tags'),
        `has a tag of ${chars} characters ("${tag.slice(0, 20)}…"); the limit is ${MAX_TAG_CHARS}`,
      );
    }
  }
  if (tags.length > MAX_TAGS)
    data.issues.tooLargeAt(data.at('tags'), `has ${tags.length} tags; the limit is ${MAX_TAGS}`);
  return tags;
}

function readCharacterVersion(data: FieldReader): string {
  const value = data.source.character_version;
  // Older RisuAI releases wrote the version as a number; RisuAI itself converts it on import.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return data.text('character_version');
}

function readAssets(data: FieldReader): CardAsset[] {
  const raw = data.source.assets;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    data.issues.invalidAt(data.at('assets'), `must be an array, got ${describeJson(raw)}`);
    return [];
  }
  const assets: CardAsset[] = [];
  raw.forEach((item: unknown, index) => {
    const path = `${data.at('assets')}[${index}]`;
    if (!isJsonObject(item)) {
      data.issues.invalidAt(path, `must be an object, got ${describeJson(item)}`);
      return;
    }
    const asset = new FieldReader(item, path, data.issues, data.cloner);
    for (const key of ['type', 'uri']) {
      if (!asset.has(key)) data.issues.invalidAt(asset.at(key), 'is missing');
    }
    const uri = readAssetUri(asset);
    assets.push({ type: asset.text('type'), uri, name: asset.text('name'), ext: asset.text('ext') });
  });
  return assets;
}

/** Assets are links (https:, embeded://, ccdefault:); an image inlined as a data: URL would dwarf the card. */
function readAssetUri(asset: FieldReader): string {
  const uri = asset.text('uri', 'none');
  const bytes = Buffer.byteLength(uri, 'utf8');
  if (bytes > MAX_TEXT_FIELD_BYTES) {
    const hint = uri.startsWith('data:') ? ' (an inline data: URL; link the asset instead)' : '';
    asset.issues.tooLargeAt(
      asset.at('uri'),
      `is ${formatBytes(bytes)}${hint}; the limit is ${formatBytes(MAX_TEXT_FIELD_BYTES)}`,
    );
  }
  return uri;
}

function readDate(data: FieldReader, key: string): Date | undefined {
  const seconds = data.nullableNumber(key);
  if (seconds === null || seconds === 0) return undefined;
  const date = new Date(seconds * 1000);
  if (seconds < 0 || Number.isNaN(date.getTime())) {
    data.issues.invalidAt(data.at(key), 'must be a Unix time in seconds');
    return undefined;
  }
  return date;
}
