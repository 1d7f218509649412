import { ValidationError } from './domain-error';
import { checkDepth } from './json-body';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
import { findUnstorableText } from './validation.pipe';

/** Parsed, not built by recursion: JSON.parse is iterative, so this is how a client's deep body arrives. */
function deep(levels: number): unknown {
  return JSON.parse(`${'{"x":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`);
}

describe('jsonDepth', () => {
  it('counts levels of arrays and plain objects', () => {
    expect(jsonDepth('text', 10)).toBe(0);
    expect(jsonDepth({}, 10)).toBe(1);
    expect(jsonDepth({ a: [1, { b: [] }], c: {} }, 10)).toBe(4);
    expect(jsonDepth({ file: Buffer.alloc(16) }, 10)).toBe(1);
  });

  it('stops just past the limit, however deep the value, without recursing', () => {
    expect(jsonDepth(deep(100_000), 64)).toBe(65);
  });
});

describe('checkDepth (on the raw body)', () => {
  const check = (text: string, max: number) => () => checkDepth(Buffer.from(text), max);

  it('counts brackets outside strings only', () => {
    expect(check('{"a":"[[[[{{{{","b":"\\"[[[["}', 1)).not.toThrow();
    expect(check('[[1]]', 2)).not.toThrow();
    expect(check('[[[1]]]', 2)).toThrow(ValidationError);
  });

  it('names the limit', () => {
    expect(check('['.repeat(200), MAX_JSON_DEPTH)).toThrow(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });
});

describe('findUnstorableText', () => {
  it('names the field holding a NUL or a lone surrogate, in keys too', () => {
    expect(findUnstorableText({ a: [{ b: 'x\u0000' }] })).toBe('a[0].b contains a NUL character');
    expect(findUnstorableText({ a: { ['k\ud800']: 1 } })).toBe('a contains an unpaired UTF-16 surrogate');
    expect(findUnstorableText({ a: ['fine', { b: 'fine' }] })).toBeUndefined();
  });

  it('refuses input nested deeper than the limit instead of overflowing the stack', () => {
    expect(findUnstorableText(deep(100_000))).toMatch(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('does not walk a Buffer as an object', () => {
    const bytes = Buffer.from('hello');
    Object.defineProperty(bytes, 'hidden', { value: 'x\u0000', enumerable: true });
    expect(findUnstorableText({ file: { buffer: bytes } })).toBeUndefined();
  });
});
