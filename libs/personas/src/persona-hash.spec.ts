import { factory } from '@app/testing';
import { hashPersonaContent } from './persona-hash';

describe('hashPersonaContent', () => {
  it('is a bytes32 hex that changes with any field, including nested lorebook entries', () => {
    const content = factory.personaContent({ name: 'Ada' });
    const hash = hashPersonaContent(content);
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(hashPersonaContent({ ...content, description: 'x' })).not.toBe(hash);
    expect(hashPersonaContent({ ...content, verification: 'zk' })).not.toBe(hash);
    const withEntry = {
      ...content,
      lorebook: [{ ...content.lorebook[0], keys: ['a'], content: 'b' }],
    } as typeof content;
    expect(hashPersonaContent(withEntry)).not.toBe(hash);
  });

  it('does not depend on key order, so the same content hashes the same anywhere (RFC 8785)', () => {
    const content = factory.personaContent({ name: 'Ada', tags: ['x'] });
    const reversed = Object.fromEntries(Object.entries(content).reverse()) as typeof content;
    expect(hashPersonaContent(reversed)).toBe(hashPersonaContent(content));
  });

  it('is keccak256 of the canonical JSON, pinned so a change of algorithm cannot slip through', () => {
    // keccak256('{"a":1}'): receipts carry this hash, so changing how it is computed breaks every old receipt.
    const content = { a: 1 } as unknown as Parameters<typeof hashPersonaContent>[0];
    expect(hashPersonaContent(content)).toBe(
      '0x25e7c2a96531eb50246780c1f25742e489bf55210e26981dc02992bb585feb97',
    );
  });
});
