// What one imported card may hold. The HTTP layer uses the byte limits for its body and upload caps, so a
// request that is too big fails before it is read into memory rather than after.

const KIB = 1024;
const MIB = 1024 * KIB;

/** Decoded card JSON (the file, the request body, or a PNG chunk once base64 is undone). */
export const MAX_CARD_JSON_BYTES = 2 * MIB;
export const MAX_PNG_BYTES = 8 * MIB;
/** A real card: a handful plus its IDATs (~1,000 of libpng's 8 KiB in 8 MiB); far more is an attack, not a picture. */
export const MAX_PNG_CHUNKS = 4096;
export const MAX_LOREBOOK_ENTRIES = 1000;
/** Any one text field (description, a greeting, a lorebook entry's content, …), as UTF-8. */
export const MAX_TEXT_FIELD_BYTES = 64 * KIB;
/** `name` and `nickname`, in characters (code points). */
export const MAX_NAME_CHARS = 200;
export const MAX_TAGS = 64;
export const MAX_TAG_CHARS = 64;
/** How deep `extensions` (and other fields kept verbatim) may nest; deeper input is hostile, not a card. */
export const MAX_EXTENSION_DEPTH = 64;

export const CARD_LIMITS = {
  maxCardJsonBytes: MAX_CARD_JSON_BYTES,
  maxPngBytes: MAX_PNG_BYTES,
  maxPngChunks: MAX_PNG_CHUNKS,
  maxLorebookEntries: MAX_LOREBOOK_ENTRIES,
  maxTextFieldBytes: MAX_TEXT_FIELD_BYTES,
  maxNameChars: MAX_NAME_CHARS,
  maxTags: MAX_TAGS,
  maxTagChars: MAX_TAG_CHARS,
  maxExtensionDepth: MAX_EXTENSION_DEPTH,
} as const;

export function formatBytes(bytes: number): string {
  if (bytes < KIB) return `${bytes} bytes`;
  const [unit, size] = bytes < MIB ? ['KiB', bytes / KIB] : ['MiB', bytes / MIB];
  return `${Number.isInteger(size) ? size : size.toFixed(1)} ${unit}`;
}
