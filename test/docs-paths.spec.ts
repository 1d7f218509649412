import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const DOCS = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];
// A repository path in backticks, e.g. `libs/chat/src/reply-stream.ts` or `apps/worker/src/`.
const PATH = /`((?:apps|libs|scripts|test|load|bench|prisma|docs)\/[A-Za-z0-9_./-]+)`/g;

describe('the docs name files that exist', () => {
  it.each(DOCS.map((file) => [file.slice(ROOT.length + 1), file]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const missing = [...text.matchAll(PATH)].map((m) => m[1]).filter((path) => !existsSync(join(ROOT, path)));
    expect(missing).toEqual([]);
  });
});
