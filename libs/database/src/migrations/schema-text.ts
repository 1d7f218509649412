/** A field declared `Unsupported("...")`, which the DMMF leaves out of the model's fields. */
export interface UnsupportedField {
  model: string;
  field: string;
  column: string;
  type: string;
  optional: boolean;
}

export interface SchemaTextFacts {
  unsupported: UnsupportedField[];
  /** `@relation(..., map: "x")` foreign key names by `Model.field`; the DMMF does not carry them. */
  relationMaps: Map<string, string>;
}

/** What the DMMF leaves out, read line by line: enough for `prisma format`ted schemas (one field per line). */
export function scanSchemaText(schemaText: string): SchemaTextFacts {
  const facts: SchemaTextFacts = { unsupported: [], relationMaps: new Map() };
  let model: string | undefined;
  for (const rawLine of schemaText.split('\n')) {
    const line = withoutComment(rawLine).trim();
    const opening = /^model\s+(\w+)\s*\{/.exec(line);
    if (opening) {
      model = opening[1];
      continue;
    }
    if (line.startsWith('}')) model = undefined;
    if (!model) continue;

    const unsupported = /^(\w+)\s+Unsupported\("([^"]*)"\)(\?|\[\])?/.exec(line);
    if (unsupported) {
      const column = /@map\("([^"]+)"\)/.exec(line)?.[1] ?? unsupported[1];
      const optional = unsupported[3] === '?';
      facts.unsupported.push({ model, field: unsupported[1], column, type: unsupported[2], optional });
    }
    const relationMap = /^(\w+)\s.*@relation\(.*\bmap:\s*"([^"]+)"/.exec(line);
    if (relationMap) facts.relationMaps.set(`${model}.${relationMap[1]}`, relationMap[2]);
  }
  return facts;
}

// Drops a `//` comment unless the slashes sit inside a string literal (e.g. a URL default).
function withoutComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== '\\') inString = !inString;
    if (!inString && line.startsWith('//', i)) return line.slice(0, i);
  }
  return line;
}
