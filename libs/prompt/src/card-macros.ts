export interface MacroValues {
  char: string;
  user: string;
}

// SillyTavern accepts {{char}}/{{user}} in any case, and the legacy <BOT>/<USER> of older cards.
const CHAR_MACRO = /\{\{char\}\}|<bot>/gi;
const USER_MACRO = /\{\{user\}\}|<user>/gi;
/** Either macro as a pattern source: the lorebook key checks look for macros with their own flags. */
export const NAME_MACRO_SOURCE = String.raw`\{\{(?:char|user)\}\}|<(?:bot|user)>`;

/** Replaces the character and user macros; names are inserted literally (a `$&` in a name stays as is). */
export function substituteMacros(text: string, values: MacroValues): string {
  return text.replace(CHAR_MACRO, () => values.char).replace(USER_MACRO, () => values.user);
}
