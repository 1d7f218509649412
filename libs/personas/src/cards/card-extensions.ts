import { JsonObject, isJsonObject, setOwn } from './json-value';

/**
 * Keys we reserve inside `extensions` (the specs ask applications to namespace theirs). `twinproof/unknown_fields`
 * (stored cards only; card, lorebook and entry level) holds fields another tool wrote that PersonaCard does not
 * model; the writers put them back where they were read, so a round trip loses nothing. `twinproof/ccv3` appears
 * only in V2 exports, holding the V3-only fields V2 has no place for; reading it back restores them.
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

export function keepUnknownFields(extensions: JsonObject, unknownFields: JsonObject): JsonObject {
  delete extensions[UNKNOWN_FIELDS_KEY];
  if (Object.keys(unknownFields).length > 0) setOwn(extensions, UNKNOWN_FIELDS_KEY, unknownFields);
  return extensions;
}

/** `source` with the V3 fields a V2 export parked in `extensions['twinproof/ccv3']` filled in; the source's own win. */
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
