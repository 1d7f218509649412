// The content of one persona version: the Character Card V2/V3 fields in camelCase, plus the platform's own
// settings. Everything here is covered by the version hash, and survives export → import unchanged.

export interface LorebookEntry {
  keys: string[];
  secondaryKeys: string[];
  content: string;
  name: string;
  comment: string;
  enabled: boolean;
  insertionOrder: number;
  caseSensitive: boolean;
  constant: boolean;
  selective: boolean;
  priority: number;
  position: 'before_char' | 'after_char';
  useRegex: boolean;
  extensions: Record<string, unknown>;
}

export interface Lorebook {
  name: string;
  description: string;
  scanDepth: number | null;
  tokenBudget: number | null;
  recursiveScanning: boolean;
  extensions: Record<string, unknown>;
}

export interface CardAsset {
  type: string;
  uri: string;
  name: string;
  ext: string;
}

export interface PersonaCard {
  name: string;
  nickname: string;
  description: string;
  personality: string;
  scenario: string;
  firstMessage: string;
  exampleDialogues: string;
  alternateGreetings: string[];
  groupOnlyGreetings: string[];
  systemPrompt: string;
  postHistoryInstructions: string;
  creatorNotes: string;
  creatorNotesMultilingual: Record<string, string>;
  tags: string[];
  creator: string;
  characterVersion: string;
  source: string[];
  assets: CardAsset[];
  lorebook: LorebookEntry[];
  lorebookSettings: Lorebook;
  /** Extensions written by other tools (card `extensions`), kept verbatim so a round trip loses nothing. */
  extensions: Record<string, unknown>;
}

export type Visibility = 'public' | 'unlisted' | 'private';
export type VerificationLevel = 'none' | 'attested' | 'zk';

export interface PersonaSettings {
  visibility: Visibility;
  modelId: string;
  verification: VerificationLevel;
}

/** What one immutable persona version holds, and what its hash covers. */
export type PersonaContent = PersonaCard & PersonaSettings;
