export interface MacroValues {
  char: string;
  user: string;
}

// SillyTavern accepts {{char}}/{{user}} in any case, and the legacy <BOT>/<USER> of older cards.
const CHAR_MACRO = /\{\{char\}\}|<bot>/gi;
const USER_MACRO = /\{\{user\}\}|<user>/gi;

/** Replaces the character and user macros; names are inserted literally (a `$&` in a name stays as is). */
export function substituteMacros(text: string, values: MacroValues): string {
  return text.replace(CHAR_MACRO, () => values.char).replace(USER_MACRO, () => values.user);
}
