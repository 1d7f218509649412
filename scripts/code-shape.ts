// The figures an architecture review reads: files over 300 lines, the largest functions, the share of comment lines,
// and which libraries each library imports. `npm run build && node dist/scripts/code-shape.js`; tests are left out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

const ROOTS = ['apps', 'libs', 'scripts'];
const IS_TEST = /\.(spec|int-spec|e2e-spec)\.ts$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'generated' || name === '__fixtures__' || name === 'testing')
      return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !IS_TEST.test(path) ? [path] : [];
  });
}

interface FunctionSize {
  file: string;
  name: string;
  lines: number;
}

function functionsOf(file: string, source: ts.SourceFile): FunctionSize[] {
  const found: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
      found.push({ file, name, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const root = process.cwd();
const files = ROOTS.flatMap((dir) => sourceFiles(join(root, dir)));
let codeLines = 0;
let commentLines = 0;
const large: { file: string; lines: number }[] = [];
const functions: FunctionSize[] = [];
const libraryImports = new Map<string, Set<string>>();
for (const path of files) {
  const file = relative(root, path);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const nonBlank = lines.filter((line) => line.trim() !== '');
  codeLines += nonBlank.length;
  commentLines += nonBlank.filter((line) => /^\s*(\/\/|\/\*|\*)/.test(line)).length;
  if (lines.length > 300) large.push({ file, lines: lines.length });
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  functions.push(...functionsOf(file, source));
  const lib = /^libs\/([^/]+)\//.exec(file)?.[1];
  if (lib)
    for (const match of text.matchAll(/from '@app\/([^/']+)/g))
      if (match[1] !== lib)
        (libraryImports.get(lib) ?? libraryImports.set(lib, new Set()).get(lib))?.add(match[1]);
}

console.log(
  `Source files: ${files.length}; comment lines: ${((100 * commentLines) / codeLines).toFixed(1)}% of non-blank lines`,
);
console.log('\nFiles over 300 lines:');
for (const { file, lines } of large.sort((a, b) => b.lines - a.lines)) console.log(`  ${lines}  ${file}`);
console.log('\nLargest functions:');
for (const f of functions.sort((a, b) => b.lines - a.lines).slice(0, 5))
  console.log(`  ${f.lines}  ${f.name}  ${f.file}`);
console.log('\nLibraries each library imports:');
for (const [lib, imports] of [...libraryImports].sort())
  console.log(`  ${lib} (${imports.size}): ${[...imports].sort().join(', ')}`);
