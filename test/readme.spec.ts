import { ErrorCode, HTTP_STATUS_BY_CODE } from '@app/common';
import { CONFIG_KEYS } from '@app/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The README is what users configure and handle errors by: its tables must list what the code has, no more, no less.
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The rows of the first table under `## <title>`, as cells. */
function tableRows(title: string): string[][] {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const rest = readme.slice(start + title.length + 5);
  const section = rest.slice(0, rest.search(/\n## /) === -1 ? undefined : rest.search(/\n## /));
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

function codeNames(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1]);
}

describe('README.md', () => {
  it('lists every setting of the configuration schema in its configuration table, and no other', () => {
    const documented = tableRows('Configuration').flatMap((row) => codeNames(row[0]));
    expect([...documented].sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('lists every error code with the HTTP status the filter gives it, and no other', () => {
    const documented = Object.fromEntries(
      tableRows('Errors').map((row) => [codeNames(row[0])[0], Number(row[1])]),
    );
    const actual = Object.fromEntries(
      Object.values(ErrorCode).map((code) => [code, HTTP_STATUS_BY_CODE[code]]),
    );
    expect(documented).toEqual(actual);
  });

  it('points users at files they have, not at the team notes outside the repository', () => {
    expect(readme).not.toMatch(/\.\.\/shared|API\.md|ARCHITECTURE\.md/);
  });
});
