import { Lorebook, LorebookEntry } from '../persona-content';
import { FieldReader } from './card-fields';
import { keepUnknownFields, splitExtensions, withParkedV3Fields } from './card-extensions';
import { MAX_LOREBOOK_ENTRIES } from './card-limits';
import { LorebookPosition, SPEC_BOOK_FIELDS, SPEC_ENTRY_FIELDS } from './character-card.types';
import { describeJson, isJsonObject } from './json-value';

// Defaults for entry fields a card leaves out. The specs give none for these; any stable value works because a
// card that sets them keeps its own, and ours are written back on export so they do not drift.
const DEFAULT_INSERTION_ORDER = 100;
const DEFAULT_PRIORITY = 10;
const POSITIONS: readonly LorebookPosition[] = ['before_char', 'after_char'];

export const EMPTY_LOREBOOK_SETTINGS: Readonly<Lorebook> = Object.freeze({
  name: '',
  description: '',
  scanDepth: null,
  tokenBudget: null,
  recursiveScanning: false,
  extensions: {},
});

export interface LorebookRead {
  entries: LorebookEntry[];
  settings: Lorebook;
}

/** `data.character_book` → PersonaCard's lorebook and its settings; a card without one gets an empty book. */
export function readLorebook(data: FieldReader): LorebookRead {
  const book = data.object('character_book');
  if (!book) return { entries: [], settings: { ...EMPTY_LOREBOOK_SETTINGS, extensions: {} } };

  const settings: Lorebook = {
    name: book.text('name'),
    description: book.text('description'),
    scanDepth: book.nullableNumber('scan_depth'),
    tokenBudget: book.nullableNumber('token_budget'),
    recursiveScanning: book.boolean('recursive_scanning', false),
    extensions: keepUnknownFields(
      splitExtensions(book.extensions()).extensions,
      book.unknownFields(SPEC_BOOK_FIELDS),
    ),
  };
  return { entries: readEntries(book), settings };
}

function readEntries(book: FieldReader): LorebookEntry[] {
  const raw = book.source.entries;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    book.issues.invalidAt(book.at('entries'), `must be an array, got ${describeJson(raw)}`);
    return [];
  }
  if (raw.length > MAX_LOREBOOK_ENTRIES) {
    // Stop here: validating a million entries only to refuse them would be the attack working.
    book.issues.tooLargeAt(
      book.at('entries'),
      `has ${raw.length} entries; the limit is ${MAX_LOREBOOK_ENTRIES}`,
    );
    return [];
  }
  const entries: LorebookEntry[] = [];
  raw.forEach((item: unknown, index) => {
    const path = `${book.at('entries')}[${index}]`;
    if (!isJsonObject(item)) book.issues.invalidAt(path, `must be an object, got ${describeJson(item)}`);
    else entries.push(readEntry(new FieldReader(withParkedV3Fields(item), path, book.issues, book.cloner)));
  });
  return entries;
}

function readEntry(entry: FieldReader): LorebookEntry {
  const read: LorebookEntry = {
    keys: entry.textList('keys'),
    // SPEC_V3 describes secondary_keys as "multiple values separated by a comma", so a single string is split.
    secondaryKeys: entry.textList('secondary_keys', 'field', true),
    content: entry.text('content'),
    name: entry.text('name'),
    comment: entry.text('comment'),
    enabled: entry.boolean('enabled', true),
    insertionOrder: entry.number('insertion_order', DEFAULT_INSERTION_ORDER),
    caseSensitive: entry.boolean('case_sensitive', false),
    constant: entry.boolean('constant', false),
    selective: entry.boolean('selective', false),
    priority: entry.number('priority', DEFAULT_PRIORITY),
    position: readPosition(entry),
    useRegex: entry.boolean('use_regex', false),
    extensions: keepUnknownFields(
      splitExtensions(entry.extensions()).extensions,
      entry.unknownFields(SPEC_ENTRY_FIELDS),
    ),
  };
  if (read.useRegex) {
    collectRegexKeys(entry, 'keys', false);
    collectRegexKeys(entry, 'secondary_keys', true);
  }
  return read;
}

/** Regex keys run on every chat turn; the card reader checks them once the whole card is read (card-reader.ts). */
function collectRegexKeys(entry: FieldReader, field: string, splitString: boolean): void {
  const value = entry.source[field];
  // A comma-separated string (see readEntry) has no indexes to name; items of the wrong type are reported already.
  const split = splitString && typeof value === 'string';
  const keys = split ? value.split(',').map((key) => key.trim()) : value;
  if (!Array.isArray(keys)) return;
  keys.forEach((key: unknown, index) => {
    if (typeof key !== 'string') return;
    entry.issues.regexKeys.push({ path: split ? entry.at(field) : `${entry.at(field)}[${index}]`, key });
  });
}

function readPosition(entry: FieldReader): LorebookPosition {
  const value = entry.source.position;
  // Some editors write "" for "not chosen"; it means the same as leaving the field out.
  if (value === undefined || value === null || value === '') return 'before_char';
  const position = POSITIONS.find((allowed) => allowed === value);
  if (position) return position;
  entry.issues.invalidAt(
    entry.at('position'),
    `must be 'before_char' or 'after_char', got ${JSON.stringify(value) ?? describeJson(value)}`,
  );
  return 'before_char';
}
