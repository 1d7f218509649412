import { CardIssues } from './card-issues';
import { MAX_NAME_CHARS, MAX_TAG_CHARS, MAX_TEXT_FIELD_BYTES, formatBytes } from './card-limits';

/** Which size limit a string is held to; `none` for strings inside `extensions` (the card total bounds those). */
export type TextLimit = 'field' | 'name' | 'tag' | 'none';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Stored verbatim (no trimming or HTML stripping: clients escape). Refused: what PostgreSQL cannot store (NUL, lone
 * surrogates in jsonb), so a card fails here with a path, not later as a 500.
 */
export function checkText(value: string, path: string, issues: CardIssues, limit: TextLimit): void {
  if (value.includes('\u0000'))
    issues.invalidAt(path, 'contains a NUL character (\\u0000), which cannot be stored');
  if (LONE_SURROGATE.test(value))
    issues.invalidAt(path, 'contains an unpaired UTF-16 surrogate (invalid Unicode)');
  switch (limit) {
    case 'field': {
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > MAX_TEXT_FIELD_BYTES) {
        issues.tooLargeAt(
          path,
          `is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_TEXT_FIELD_BYTES)}`,
        );
      }
      return;
    }
    case 'name':
      return checkChars(value, path, issues, MAX_NAME_CHARS);
    case 'tag':
      return checkChars(value, path, issues, MAX_TAG_CHARS);
    case 'none':
      return;
  }
}

/** Code points, so an emoji counts as one character and not two. */
export function countChars(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i += 1;
    count += 1;
  }
  return count;
}

function checkChars(value: string, path: string, issues: CardIssues, max: number): void {
  // UTF-16 length bounds the code-point count from above, so short strings skip the count.
  if (value.length <= max) return;
  const chars = countChars(value);
  if (chars > max) issues.tooLargeAt(path, `is ${chars} characters; the limit is ${max}`);
}
