import { DomainError } from '@app/common';
import { PersonaCard } from '../persona-content';
import { CardDataRead, readCardData } from './card-data-reader';
import { findRegexKeyProblems, findRegexKeyProblemsInSlices, quoteKey } from '@app/prompt/lorebook-keys';
import { CardIssues, cardTooLarge, invalidCard, RegexKeyAt } from './card-issues';
import { MAX_CARD_JSON_BYTES, MAX_PNG_BYTES, formatBytes } from './card-limits';
import { MAX_CARD_BASE64_CHARS, decodeBase64Card, parseCardJson } from './card-payload';
import { CardSpec } from './character-card.types';
import { JsonObject, describeJson, isJsonObject, measureJsonBytes, setOwn } from './json-value';
import { PngChunk, readPngChunks, readTextChunk, textChunkKeyword } from './png-chunks';

export interface ReadCardInput {
  /** A parsed card, or its raw text/bytes (a `.json` upload). */
  json?: unknown;
  png?: Buffer;
}

export type CardOrigin = 'json' | 'png:ccv3' | 'png:chara';

export interface ReadCardOptions {
  /** Leave regex keys to checkCardRegexKeys, which yields to other requests; they come back in `regexKeys`. */
  deferRegexChecks?: boolean;
}

export interface ReadCardResult {
  card: PersonaCard;
  spec: CardSpec;
  from: CardOrigin;
  /** V3 `creation_date`; the spec asks applications to keep it once set. */
  createdAt?: Date;
  updatedAt?: Date;
  /** Things the importer should tell the person, e.g. that a broken `ccv3` chunk was skipped for `chara`. */
  warnings: string[];
  /** With deferRegexChecks: the regex keys still to check. */
  regexKeys: RegexKeyAt[];
}

// V1 cards from older tools name fields differently (Pygmalion/TavernAI `char_*`, SillyTavern's `creatorcomment`).
const V1_ALIASES: ReadonlyArray<readonly [alias: string, field: string]> = [
  ['char_name', 'name'],
  ['char_persona', 'description'],
  ['char_greeting', 'first_mes'],
  ['world_scenario', 'scenario'],
  ['example_dialogue', 'mes_example'],
  ['creatorcomment', 'creator_notes'],
];

/** Any Character Card (V1-V3, JSON or PNG); INVALID_CARD or PAYLOAD_TOO_LARGE, `details.issues` naming each field. */
export function readCard(input: ReadCardInput, options: ReadCardOptions = {}): ReadCardResult {
  const hasJson = input.json !== undefined;
  const hasPng = input.png !== undefined;
  if (hasJson === hasPng)
    throw invalidCard('Send a character card as JSON or as a PNG file (exactly one of them).');
  if (input.png) return readPngCard(input.png, options);
  return { ...readJsonCard(input.json, options), from: 'json' };
}

/** The regex key safety check that readCard defers when asked to, in slices; throws INVALID_CARD naming each key. */
export async function checkCardRegexKeys(keys: readonly RegexKeyAt[]): Promise<void> {
  const issues = new CardIssues();
  const problems = await findRegexKeyProblemsInSlices(keys.map(({ key }) => key));
  keys.forEach(({ path, key }, index) => {
    const problem = problems[index];
    if (problem) issues.invalidAt(path, `${quoteKey(key)} ${problem}`);
  });
  issues.throwIfAny();
}

function readJsonCard(json: unknown, options: ReadCardOptions): Omit<ReadCardResult, 'from'> {
  if (typeof json === 'string' || json instanceof Uint8Array)
    return readCardObject(parseCardJson(json, 'the card file'), false, options);
  return readCardObject(json, true, options);
}

/** `ccv3` wins over `chara` (SPEC_V3, SillyTavern, RisuAI); an unreadable `ccv3` falls back to `chara`, warning. */
function readPngCard(png: Buffer, options: ReadCardOptions): ReadCardResult {
  if (png.length > MAX_PNG_BYTES) {
    const message = `is ${formatBytes(png.length)}; the limit is ${formatBytes(MAX_PNG_BYTES)}`;
    throw cardTooLarge(`The PNG ${message}.`, [{ path: 'png', message }]);
  }
  const chunks = readPngChunks(png);
  const candidates = (['ccv3', 'chara'] as const)
    .map((keyword) => ({ keyword, chunk: findTextChunk(chunks, keyword) }))
    .filter(
      (candidate): candidate is { keyword: 'ccv3' | 'chara'; chunk: PngChunk } =>
        candidate.chunk !== undefined,
    );
  if (candidates.length === 0) {
    throw invalidCard("This PNG has no character card: no tEXt chunk named 'chara' or 'ccv3'.", [
      { path: 'png', message: "has no 'chara' or 'ccv3' text chunk" },
    ]);
  }
  let firstError: DomainError | undefined;
  for (const { keyword, chunk } of candidates) {
    try {
      const what = `the PNG's '${keyword}' chunk`;
      const text = readTextChunk(chunk, MAX_CARD_BASE64_CHARS).text;
      const read = readCardObject(decodeBase64Card(text, what), false, options);
      if (firstError) {
        read.warnings.push(
          `The PNG's 'ccv3' chunk could not be read (${firstError.message}); its 'chara' chunk was used instead.`,
        );
      }
      return { ...read, from: `png:${keyword}` };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      firstError ??= error;
    }
  }
  throw firstError ?? new Error('unreachable: at least one candidate chunk was tried');
}

/** The first text chunk with this keyword, compared case-insensitively as SillyTavern does. */
function findTextChunk(chunks: PngChunk[], keyword: string): PngChunk | undefined {
  return chunks.find((chunk) => textChunkKeyword(chunk)?.toLowerCase() === keyword);
}

function readCardObject(
  root: unknown,
  measure: boolean,
  options: ReadCardOptions,
): Omit<ReadCardResult, 'from'> {
  if (!isJsonObject(root)) {
    throw invalidCard(`This is not a character card: expected a JSON object, got ${describeJson(root)}.`, [
      { path: '', message: `must be an object, got ${describeJson(root)}` },
    ]);
  }
  const spec = detectSpec(root);
  const warnings: string[] = [];
  const issues = new CardIssues();
  let read: CardDataRead;
  if (spec === 'v1') read = readCardData(fromV1(root), '', issues);
  else {
    // Only `data` is read: the spec makes it canonical, and the fields SillyTavern mirrors beside it (name,
    // description, avatar, chat, …) are copies for V1 readers that it regenerates on every save.
    const data = root.data;
    if (!isJsonObject(data)) {
      const message = `must be an object holding the card's fields, got ${describeJson(data)}`;
      throw invalidCard(`This character card is invalid: data ${message}.`, [{ path: 'data', message }]);
    }
    read = readCardData(data, 'data', issues);
    const newer = newerSpecWarning(spec, root.spec_version);
    if (newer) warnings.push(newer);
  }
  if (measure) checkTotalSize(root, issues);
  if (!options.deferRegexChecks) {
    const problems = findRegexKeyProblems(issues.regexKeys.map(({ key }) => key));
    issues.regexKeys.forEach(({ path, key }, index) => {
      const problem = problems[index];
      if (problem) issues.invalidAt(path, `${quoteKey(key)} ${problem}`);
    });
  }
  issues.throwIfAny();
  return { ...read, spec, warnings, regexKeys: options.deferRegexChecks ? issues.regexKeys : [] };
}

function detectSpec(root: JsonObject): CardSpec {
  const spec = root.spec;
  if (spec === 'chara_card_v2') return 'v2';
  if (spec === 'chara_card_v3') return 'v3';
  if (spec === undefined || spec === null) {
    if (root.name === undefined && root.char_name === undefined && isJsonObject(root.data)) {
      const message = "is missing; a card with a 'data' object needs spec 'chara_card_v2' or 'chara_card_v3'";
      throw invalidCard(`This character card is invalid: spec ${message}.`, [{ path: 'spec', message }]);
    }
    return 'v1';
  }
  if (spec === 'lorebook_v3') {
    throw invalidCard("This is a lorebook (spec 'lorebook_v3'), not a character card.", [
      { path: 'spec', message: 'is lorebook_v3' },
    ]);
  }
  const message = `is ${JSON.stringify(spec) ?? describeJson(spec)}; expected 'chara_card_v2' or 'chara_card_v3' (or none, for a V1 card)`;
  throw invalidCard(`This is not a character card we can read: spec ${message}.`, [
    { path: 'spec', message },
  ]);
}

/** A V1 card's flat fields under the names V2/V3 use; `spec_version` on a V1 card is noise, not data. */
function fromV1(root: JsonObject): JsonObject {
  const source: JsonObject = {};
  for (const [key, value] of Object.entries(root)) {
    if (key !== 'spec' && key !== 'spec_version') setOwn(source, key, value);
  }
  for (const [alias, field] of V1_ALIASES) {
    if (source[alias] === undefined) continue;
    if (source[field] === undefined || source[field] === null) setOwn(source, field, source[alias]);
    if (source[field] === source[alias]) delete source[alias];
  }
  return source;
}

/** SPEC_V3: a newer 3.x card must still import; say so, since fields we do not know are only carried along. */
function newerSpecWarning(spec: CardSpec, version: unknown): string | undefined {
  const current = spec === 'v3' ? 3 : 2;
  const parsed =
    typeof version === 'string' || typeof version === 'number' ? Number.parseFloat(String(version)) : NaN;
  if (!(parsed > current)) return undefined;
  return `This card was written for spec version ${String(version)}, newer than ${current}.0; fields this version does not define were kept as they are.`;
}

/** For a card handed over already parsed: the JSON size limit still applies to what it would serialise to. */
function checkTotalSize(root: JsonObject, issues: CardIssues): void {
  const bytes = measureJsonBytes(root, MAX_CARD_JSON_BYTES);
  if (bytes === undefined) issues.invalidAt('(card)', 'nests too deeply to be a character card');
  else if (bytes > MAX_CARD_JSON_BYTES) {
    issues.tooLargeAt(
      '(card)',
      `is over ${formatBytes(MAX_CARD_JSON_BYTES)} of JSON, the limit for one card`,
    );
  }
}
