// The raw card shapes (V2: https://github.com/malfoyslastname/character-card-spec-v2/blob/main/spec_v2.md, V3:
// https://github.com/kwaroran/character-card-spec-v3/blob/main/SPEC_V3.md) as the writers produce them. The reader
// works on `unknown` and checks everything itself: input is looser (absent fields, null for "unset").

export type CardSpec = 'v1' | 'v2' | 'v3';

export type LorebookPosition = 'before_char' | 'after_char';

/** Fields another tool wrote that the spec does not define are written back beside the spec's own. */
type Extra = Record<string, unknown>;

/** V1: flat fields, no `spec` (TavernAI and early SillyTavern). */
export interface TavernCardV1 {
  name: string;
  description: string;
  personality: string;
  scenario: string;
  first_mes: string;
  mes_example: string;
}

export interface CharacterBookEntryV2 extends Extra {
  keys: string[];
  content: string;
  extensions: Record<string, unknown>;
  enabled: boolean;
  insertion_order: number;
  name?: string;
  priority?: number;
  id?: number;
  comment?: string;
  selective?: boolean;
  secondary_keys?: string[];
  constant?: boolean;
  position?: LorebookPosition;
}

export interface CharacterBookV2 extends Extra {
  name?: string;
  description?: string;
  scan_depth?: number;
  token_budget?: number;
  recursive_scanning?: boolean;
  extensions: Record<string, unknown>;
  entries: CharacterBookEntryV2[];
}

export interface TavernCardV2Data extends Extra {
  name: string;
  description: string;
  personality: string;
  scenario: string;
  first_mes: string;
  mes_example: string;
  creator_notes: string;
  system_prompt: string;
  post_history_instructions: string;
  alternate_greetings: string[];
  character_book?: CharacterBookV2;
  tags: string[];
  creator: string;
  character_version: string;
  extensions: Record<string, unknown>;
}

export interface TavernCardV2 {
  spec: 'chara_card_v2';
  spec_version: '2.0';
  data: TavernCardV2Data;
}

export interface LorebookEntryV3 extends Extra {
  keys: string[];
  content: string;
  extensions: Record<string, unknown>;
  enabled: boolean;
  insertion_order: number;
  case_sensitive?: boolean;
  use_regex: boolean;
  constant?: boolean;
  name?: string;
  priority?: number;
  /** A string in V3, a number in V2 (and in what SillyTavern writes); kept as found. */
  id?: number | string;
  comment?: string;
  selective?: boolean;
  secondary_keys?: string[];
  position?: LorebookPosition;
}

export interface LorebookV3 extends Extra {
  name?: string;
  description?: string;
  scan_depth?: number;
  token_budget?: number;
  recursive_scanning?: boolean;
  extensions: Record<string, unknown>;
  entries: LorebookEntryV3[];
}

export interface CardAssetV3 {
  type: string;
  uri: string;
  name: string;
  ext: string;
}

export interface CharacterCardV3Data extends Extra {
  name: string;
  description: string;
  tags: string[];
  creator: string;
  character_version: string;
  mes_example: string;
  extensions: Record<string, unknown>;
  system_prompt: string;
  post_history_instructions: string;
  first_mes: string;
  alternate_greetings: string[];
  personality: string;
  scenario: string;
  creator_notes: string;
  character_book?: LorebookV3;
  assets?: CardAssetV3[];
  nickname?: string;
  creator_notes_multilingual?: Record<string, string>;
  source?: string[];
  group_only_greetings: string[];
  /** Unix seconds, UTC; 0 means "unknown". */
  creation_date?: number;
  modification_date?: number;
}

export interface CharacterCardV3 {
  spec: 'chara_card_v3';
  spec_version: '3.0';
  data: CharacterCardV3Data;
}

/** The V3 fields a V2 export parks under `extensions['twinproof/ccv3']`. */
export interface ParkedV3Fields {
  nickname?: string;
  group_only_greetings?: string[];
  creator_notes_multilingual?: Record<string, string>;
  source?: string[];
  assets?: CardAssetV3[];
  creation_date?: number;
  modification_date?: number;
}

/** Every field name the specs define, per level: anything else found there is kept verbatim. */
export const SPEC_DATA_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'description',
  'personality',
  'scenario',
  'first_mes',
  'mes_example',
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'alternate_greetings',
  'character_book',
  'tags',
  'creator',
  'character_version',
  'extensions',
  'assets',
  'nickname',
  'creator_notes_multilingual',
  'source',
  'group_only_greetings',
  'creation_date',
  'modification_date',
]);

export const SPEC_BOOK_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'description',
  'scan_depth',
  'token_budget',
  'recursive_scanning',
  'extensions',
  'entries',
]);

/** `id` is defined by the specs but not modelled by PersonaCard, so it travels with the unknown fields. */
export const SPEC_ENTRY_FIELDS: ReadonlySet<string> = new Set([
  'keys',
  'content',
  'extensions',
  'enabled',
  'insertion_order',
  'case_sensitive',
  'use_regex',
  'constant',
  'name',
  'priority',
  'comment',
  'selective',
  'secondary_keys',
  'position',
]);
