import { JsonObject, isJsonObject, setOwn } from './json-value';

/**
 * Keys this module reserves inside `extensions` objects (the specs ask applications to namespace theirs).
 *
 * `twinproof/unknown_fields` lives only in our stored PersonaCard, at three levels: the card's `extensions`,
 * the lorebook's, and each entry's. It holds the fields another tool wrote beside that `extensions` object that
 * the V2/V3 specs do not define or that PersonaCard does not model (an entry's `id`, a future spec's field,
 * RisuAI's entry `folder`). The writers put each one back exactly where it was read from, so an exported
 * card never shows this key and nothing another tool wrote is lost in an import → export round trip.
 *
 * `twinproof/ccv3` appears only in V2 exports: V3-only fields (nickname, group-only greetings, multilingual
 * creator notes, source, assets, dates; an entry's `use_regex` and `case_sensitive`) that V2 has no place for.
 * Reading it back (from V2, or from a V3 card another tool converted from our V2) restores them.
 */
export const UNKNOWN_FIELDS_KEY = 'twinproof/unknown_fields';
export const V3_FIELDS_KEY = 'twinproof/ccv3';

/** A copy of `extensions` without our reserved keys, and the fields to put back beside it. */
export function splitExtensions(extensions: JsonObject): {
  extensions: JsonObject;
  unknownFields: JsonObject;
} {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(extensions)) {
    if (key !== UNKNOWN_FIELDS_KEY && key !== V3_FIELDS_KEY) setOwn(copy, key, value);
  }
  const unknown = extensions[UNKNOWN_FIELDS_KEY];
  return { extensions: copy, unknownFields: isJsonObject(unknown) ? unknown : {} };
}

/** Stores (or clears) the unknown fields found beside an `extensions` object, in place. */
export function keepUnknownFields(extensions: JsonObject, unknownFields: JsonObject): JsonObject {
  delete extensions[UNKNOWN_FIELDS_KEY];
  if (Object.keys(unknownFields).length > 0) setOwn(extensions, UNKNOWN_FIELDS_KEY, unknownFields);
  return extensions;
}

/**
 * `source` with the V3 fields that a V2 export parked in `extensions['twinproof/ccv3']` filled in where the
 * source itself has nothing; fields the source does carry win.
 */
export function withParkedV3Fields(source: JsonObject): JsonObject {
  const extensions = source.extensions;
  const parked = isJsonObject(extensions) ? extensions[V3_FIELDS_KEY] : undefined;
  if (!isJsonObject(parked)) return source;
  const merged: JsonObject = { ...source };
  for (const [key, value] of Object.entries(parked)) {
    if (merged[key] === undefined || merged[key] === null) setOwn(merged, key, value);
  }
  return merged;
}

/** Appends fields kept from an import after the spec's own, never overwriting a spec field. */
export function restoreUnknownFields(
  target: JsonObject,
  unknownFields: JsonObject,
  specFields: ReadonlySet<string>,
): void {
  for (const [key, value] of Object.entries(unknownFields)) {
    if (!specFields.has(key) && !Object.prototype.hasOwnProperty.call(target, key))
      setOwn(target, key, value);
  }
}
