import { CardIssues } from './card-issues';
import { TextLimit, checkText } from './card-text';
import { JsonCloner, JsonObject, childPath, describeJson, isJsonObject, setOwn } from './json-value';

/**
 * Typed reads that record an issue (with its path) instead of throwing, so one pass reports every problem. Absent
 * and `null` both give the spec default (writers disagree); a wrong type is an error, never silently replaced.
 */
export class FieldReader {
  constructor(
    readonly source: JsonObject,
    readonly path: string,
    readonly issues: CardIssues,
    readonly cloner: JsonCloner,
  ) {}

  at(key: string): string {
    return childPath(this.path, key);
  }

  has(key: string): boolean {
    return this.source[key] !== undefined && this.source[key] !== null;
  }

  text(key: string, limit: TextLimit = 'field'): string {
    const value = this.source[key];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') {
      this.issues.invalidAt(this.at(key), `must be a string, got ${describeJson(value)}`);
      return '';
    }
    checkText(value, this.at(key), this.issues, limit);
    return value;
  }

  /** A list of strings; `splitString` accepts one comma-separated string too, for writers that store lists that way. */
  textList(key: string, limit: TextLimit = 'field', splitString = false): string[] {
    const value = this.source[key];
    if (value === undefined || value === null) return [];
    if (typeof value === 'string' && splitString) {
      return value.split(',').map((raw) => {
        const part = raw.trim();
        checkText(part, this.at(key), this.issues, limit);
        return part;
      });
    }
    if (!Array.isArray(value)) {
      this.issues.invalidAt(this.at(key), `must be an array of strings, got ${describeJson(value)}`);
      return [];
    }
    const items: string[] = [];
    value.forEach((item: unknown, index) => {
      const path = `${this.at(key)}[${index}]`;
      if (typeof item !== 'string')
        this.issues.invalidAt(path, `must be a string, got ${describeJson(item)}`);
      else {
        checkText(item, path, this.issues, limit);
        items.push(item);
      }
    });
    return items;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.source[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.issues.invalidAt(this.at(key), `must be true or false, got ${describeJson(value)}`);
      return fallback;
    }
    return value;
  }

  number(key: string, fallback: number): number {
    return this.nullableNumber(key) ?? fallback;
  }

  nullableNumber(key: string): number | null {
    const value = this.source[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.issues.invalidAt(this.at(key), `must be a number, got ${describeJson(value)}`);
      return null;
    }
    return value;
  }

  textRecord(key: string): Record<string, string> {
    const value = this.source[key];
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) {
      this.issues.invalidAt(this.at(key), `must be an object of strings, got ${describeJson(value)}`);
      return {};
    }
    const record: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      const path = childPath(this.at(key), name);
      checkText(name, `${path} (the key)`, this.issues, 'name');
      if (typeof item !== 'string')
        this.issues.invalidAt(path, `must be a string, got ${describeJson(item)}`);
      else {
        checkText(item, path, this.issues, 'field');
        setOwn(record, name, item);
      }
    }
    return record;
  }

  object(key: string): FieldReader | undefined {
    const value = this.source[key];
    if (value === undefined || value === null) return undefined;
    if (!isJsonObject(value)) {
      this.issues.invalidAt(this.at(key), `must be an object, got ${describeJson(value)}`);
      return undefined;
    }
    return new FieldReader(value, this.at(key), this.issues, this.cloner);
  }

  extensions(): JsonObject {
    return this.cloner.cloneObject(this.source.extensions, this.at('extensions'));
  }

  /** Copies of the fields outside `known`, to be kept rather than dropped. */
  unknownFields(known: ReadonlySet<string>): JsonObject {
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(this.source)) {
      if (!known.has(key) && value !== undefined) setOwn(kept, key, this.cloner.clone(value, this.at(key)));
    }
    return kept;
  }
}
