import { CardIssues } from './card-issues';
import { MAX_CARD_JSON_BYTES, MAX_EXTENSION_DEPTH } from './card-limits';
import { checkText } from './card-text';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** "a number", "an array", "null": for messages like "must be a string, got a number". */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'nothing';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** `data.extensions.foo`, or `data.extensions["odd key"]` when the key is not a plain identifier. */
export function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Assigns an own property even for `__proto__`, which plain assignment would turn into a prototype change. */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Deep-copies values kept verbatim, checking they are plain JSON a database holds. The node budget stops a hostile
 * graph (shared or circular references) from endless work: a card within its size limit holds fewer values than bytes.
 */
export class JsonCloner {
  private nodes = 0;
  private overBudget = false;

  constructor(private readonly issues: CardIssues) {}

  clone(value: unknown, path: string, depth = 0): unknown {
    this.nodes += 1;
    if (this.nodes > MAX_CARD_JSON_BYTES) {
      if (!this.overBudget) this.issues.tooLargeAt(path, `takes the card past ${MAX_CARD_JSON_BYTES} values`);
      this.overBudget = true;
      return null;
    }
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.issues.invalidAt(path, 'must be a finite number');
      return value;
    }
    if (typeof value === 'string') {
      checkText(value, path, this.issues, 'none');
      return value;
    }
    if (typeof value !== 'object') {
      this.issues.invalidAt(path, `must be JSON, got ${describeJson(value)}`);
      return null;
    }
    if (depth >= MAX_EXTENSION_DEPTH) {
      this.issues.invalidAt(path, `nests deeper than ${MAX_EXTENSION_DEPTH} levels`);
      return null;
    }
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (let i = 0; i < value.length; i += 1) items.push(this.clone(value[i], `${path}[${i}]`, depth + 1));
      return items;
    }
    if (!isJsonObject(value)) {
      this.issues.invalidAt(path, 'must be a plain JSON object');
      return null;
    }
    return this.cloneEntries(value, path, depth);
  }

  /** An `extensions` object: must be an object when present; absent or null means `{}` (the spec default). */
  cloneObject(value: unknown, path: string): JsonObject {
    if (value === undefined || value === null) return {};
    if (!isJsonObject(value)) {
      this.issues.invalidAt(path, `must be an object, got ${describeJson(value)}`);
      return {};
    }
    return this.cloneEntries(value, path, 0);
  }

  private cloneEntries(value: JsonObject, path: string, depth: number): JsonObject {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const itemPath = childPath(path, key);
      checkText(key, `${itemPath} (the key)`, this.issues, 'none');
      setOwn(copy, key, this.clone(item, itemPath, depth + 1));
    }
    return copy;
  }
}

/**
 * Serialised size of an already-parsed card, bounded by `stopAfter` and a depth limit so it is safe on unchecked input;
 * `undefined` when it nests too deeply.
 */
export function measureJsonBytes(value: unknown, stopAfter: number): number | undefined {
  let total = 0;
  let tooDeep = false;
  const done = (): boolean => tooDeep || total > stopAfter;
  const walk = (item: unknown, depth: number): void => {
    if (depth > MAX_EXTENSION_DEPTH + 8) {
      tooDeep = true;
      return;
    }
    if (typeof item === 'string') total += Buffer.byteLength(item, 'utf8') + 2;
    else if (typeof item === 'number' || typeof item === 'boolean') total += String(item).length;
    else if (item === null) total += 4;
    else if (Array.isArray(item)) {
      total += 2;
      for (let i = 0; i < item.length && !done(); i += 1) walk(item[i], depth + 1);
    } else if (typeof item === 'object') {
      total += 2;
      for (const key in item) {
        if (done()) break;
        if (!Object.prototype.hasOwnProperty.call(item, key)) continue;
        total += Buffer.byteLength(key, 'utf8') + 4;
        walk((item as JsonObject)[key], depth + 1);
      }
    }
  };
  walk(value, 0);
  return tooDeep ? undefined : total;
}
