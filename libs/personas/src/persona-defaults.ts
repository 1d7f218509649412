import { EMPTY_LOREBOOK_SETTINGS } from './cards/lorebook-reader';
import type { Lorebook, LorebookEntry, PersonaCard, PersonaContent } from './persona-content';

export type LorebookEntryInput = Partial<LorebookEntry> & Pick<LorebookEntry, 'keys' | 'content'>;

/** A card as a client or an importer may give it: anything but the name may be left out. */
export type CardInput = Omit<Partial<PersonaCard>, 'lorebook' | 'lorebookSettings'> & {
  name: string;
  lorebook?: LorebookEntryInput[];
  lorebookSettings?: Partial<Lorebook>;
};

/** Spec defaults for every card field, so versions made by the API, by import and by edits all look alike. */
export function completeCard(card: CardInput): PersonaCard {
  return {
    name: card.name,
    nickname: card.nickname ?? '',
    description: card.description ?? '',
    personality: card.personality ?? '',
    scenario: card.scenario ?? '',
    firstMessage: card.firstMessage ?? '',
    exampleDialogues: card.exampleDialogues ?? '',
    alternateGreetings: card.alternateGreetings ?? [],
    groupOnlyGreetings: card.groupOnlyGreetings ?? [],
    systemPrompt: card.systemPrompt ?? '',
    postHistoryInstructions: card.postHistoryInstructions ?? '',
    creatorNotes: card.creatorNotes ?? '',
    creatorNotesMultilingual: card.creatorNotesMultilingual ?? {},
    tags: normaliseTags(card.tags ?? []),
    creator: card.creator ?? '',
    characterVersion: card.characterVersion ?? '',
    source: card.source ?? [],
    assets: card.assets ?? [],
    lorebook: (card.lorebook ?? []).map((entry, index) => completeEntry(entry, index)),
    lorebookSettings: { ...EMPTY_LOREBOOK_SETTINGS, extensions: {}, ...(card.lorebookSettings ?? {}) },
    extensions: card.extensions ?? {},
  };
}

export function completeEntry(entry: LorebookEntryInput, index: number): LorebookEntry {
  return {
    keys: entry.keys,
    secondaryKeys: entry.secondaryKeys ?? [],
    content: entry.content,
    name: entry.name ?? '',
    comment: entry.comment ?? '',
    enabled: entry.enabled ?? true,
    insertionOrder: entry.insertionOrder ?? index,
    caseSensitive: entry.caseSensitive ?? false,
    constant: entry.constant ?? false,
    selective: entry.selective ?? false,
    priority: entry.priority ?? 10,
    position: entry.position ?? 'before_char',
    useRegex: entry.useRegex ?? false,
    extensions: entry.extensions ?? {},
  };
}

export function normaliseTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    result.push(tag);
  }
  return result;
}

/** The card part of a version's content: what goes into an exported Character Card. */
export function cardOf(content: PersonaContent): PersonaCard {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { visibility, modelId, verification, ...card } = content;
  return card;
}
