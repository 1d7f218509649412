import { isDeterministicModel, notCheckable, sampled, SpotCheckSubject } from './spot-check-policy';

const SALT = `0x${'ab'.repeat(32)}`;
const subject = (overrides: Partial<SpotCheckSubject> = {}): SpotCheckSubject => ({
  modelId: 'embedded',
  prefixBytes: null,
  nodeId: 'node-1',
  salt: SALT,
  ...overrides,
});

describe('spot-check policy', () => {
  it('treats the embedded model as deterministic, and an upstream model only when listed', () => {
    expect(isDeterministicModel('embedded', [])).toBe(true);
    expect(isDeterministicModel('embedded:slow', [])).toBe(true);
    expect(isDeterministicModel('gpt-x', [])).toBe(false);
    expect(isDeterministicModel('gpt-x', ['gpt-x'])).toBe(true);
  });

  it('checks only a reply one node ran whole, with a salted receipt', () => {
    expect(notCheckable(subject(), [])).toBeNull();
    expect(notCheckable(subject({ modelId: 'gpt-x' }), [])).toMatch(/not deterministic/);
    expect(notCheckable(subject({ prefixBytes: 12 }), [])).toMatch(/taken over/);
    expect(notCheckable(subject({ nodeId: null }), [])).toMatch(/no longer registered/);
    expect(notCheckable(subject({ salt: null }), [])).toMatch(/no salt/);
  });

  it('samples at the rate: 0 never, 1 always', () => {
    expect(sampled(0, () => 0)).toBe(false);
    expect(sampled(1, () => 0.999)).toBe(true);
    expect(sampled(0.05, () => 0.04)).toBe(true);
    expect(sampled(0.05, () => 0.05)).toBe(false);
  });
});
