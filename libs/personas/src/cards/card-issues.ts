import { DomainError, ErrorCode } from '@app/common';

/** One thing wrong with a card: where (`data.character_book.entries[3].keys`) and what, as a predicate. */
export interface CardIssue {
  path: string;
  message: string;
}

export interface CardErrorDetails {
  issues: CardIssue[];
  /** Issues found beyond the ones listed (a hostile card can have thousands). */
  omitted?: number;
}

export interface RegexKeyAt {
  path: string;
  key: string;
}

const MAX_LISTED_ISSUES = 50;
const ISSUES_IN_MESSAGE = 3;

export function invalidCard(message: string, issues: CardIssue[] = []): DomainError {
  return new DomainError(ErrorCode.INVALID_CARD, message, { issues });
}

export function cardTooLarge(message: string, issues: CardIssue[] = []): DomainError {
  return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, message, { issues });
}

/** Collects every problem before failing, so one upload fixes all; malformed and too big reads as INVALID_CARD. */
export class CardIssues {
  /** Keys of `use_regex` entries, with where they are, for the regex safety check (see card-reader.ts). */
  readonly regexKeys: RegexKeyAt[] = [];
  private readonly invalid: CardIssue[] = [];
  private readonly tooLarge: CardIssue[] = [];
  private omitted = 0;

  invalidAt(path: string, message: string): void {
    this.push(this.invalid, { path, message });
  }

  tooLargeAt(path: string, message: string): void {
    this.push(this.tooLarge, { path, message });
  }

  get isEmpty(): boolean {
    return this.invalid.length === 0 && this.tooLarge.length === 0 && this.omitted === 0;
  }

  throwIfAny(): void {
    if (this.isEmpty) return;
    const all = [...this.invalid, ...this.tooLarge];
    const details: CardErrorDetails = { issues: all };
    if (this.omitted > 0) details.omitted = this.omitted;
    if (this.invalid.length > 0) {
      throw new DomainError(
        ErrorCode.INVALID_CARD,
        `This character card is invalid: ${summarise(all, this.omitted)}`,
        details,
      );
    }
    throw new DomainError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `This character card is too large: ${summarise(all, this.omitted)}`,
      details,
    );
  }

  private push(list: CardIssue[], issue: CardIssue): void {
    if (this.invalid.length + this.tooLarge.length >= MAX_LISTED_ISSUES) this.omitted += 1;
    else list.push(issue);
  }
}

function summarise(issues: CardIssue[], omitted: number): string {
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((issue) => `${issue.path} ${issue.message}`);
  const rest = issues.length - shown.length + omitted;
  const more = rest > 0 ? ` (and ${rest} more problem${rest === 1 ? '' : 's'}, listed in details)` : '';
  return `${shown.join('; ')}${more}.`;
}
