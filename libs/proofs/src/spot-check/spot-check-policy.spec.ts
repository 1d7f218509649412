import {
  blamed,
  isDeterministicModel,
  notCheckable,
  sampled,
  samplingRate,
  SpotCheckSubject,
} from './spot-check-policy';

const SALT = `0x${'ab'.repeat(32)}`;
const subject = (overrides: Partial<SpotCheckSubject> = {}): SpotCheckSubject => ({
  modelId: 'embedded',
  prefixBytes: null,
  nodeId: 'node-1',
  salt: SALT,
  generation: {},
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
    expect(notCheckable(subject({ prefixBytes: 12, prefixNodeId: 'node-0' }), [])).toBeNull();
    expect(notCheckable(subject({ prefixBytes: 12, prefixNodeId: null }), [])).toMatch(/streamed its start/);
    expect(notCheckable(subject({ nodeId: null }), [])).toMatch(/no longer registered/);
    expect(notCheckable(subject({ salt: null }), [])).toMatch(/no salt/);
  });

  it('re-runs only what can be replayed exactly: generation known, and greedy on an upstream', () => {
    expect(notCheckable(subject({ generation: null }), [])).toMatch(/without its stop and sampling/);
    expect(notCheckable(subject({ generation: { stop: ['kind'] } }), [])).toBeNull();
    // The embedded model has nothing to sample: its temperature changes nothing.
    expect(notCheckable(subject({ generation: { temperature: 0.7 } }), [])).toBeNull();
    const upstream = { modelId: 'gpt-x' };
    expect(notCheckable(subject({ ...upstream, generation: {} }), ['gpt-x'])).toBeNull();
    expect(
      notCheckable(subject({ ...upstream, generation: { temperature: 0, seed: 3 } }), ['gpt-x']),
    ).toBeNull();
    expect(notCheckable(subject({ ...upstream, generation: { temperature: 0.7 } }), ['gpt-x'])).toMatch(
      /temperature 0.7/,
    );
    expect(notCheckable(subject({ ...upstream, generation: null }), ['gpt-x'])).toMatch(/without its stop/);
  });

  it('checks every taken-over reply while checks are on', () => {
    expect(samplingRate({ prefixBytes: null }, 0.05)).toBe(0.05);
    expect(samplingRate({ prefixBytes: 12 }, 0.05)).toBe(1);
    expect(samplingRate({ prefixBytes: 12 }, 0)).toBe(0);
  });

  it('blames a node only when two re-runs corroborate each other', () => {
    expect(blamed('0xA', '0xa', null)).toBeNull(); // the checker matched
    expect(blamed('0xa', '0xb', null)).toBeNull(); // no referee: doubt, not proof
    expect(blamed('0xa', '0xb', '0xB')).toBe('reply'); // checker and referee agree against the reply
    expect(blamed('0xa', '0xb', '0xa')).toBe('checker'); // the referee agrees with the reply
    expect(blamed('0xa', '0xb', '0xc')).toBeNull(); // three outputs: nobody
  });

  it('samples at the rate: 0 never, 1 always', () => {
    expect(sampled(0, () => 0)).toBe(false);
    expect(sampled(1, () => 0.999)).toBe(true);
    expect(sampled(0.05, () => 0.04)).toBe(true);
    expect(sampled(0.05, () => 0.05)).toBe(false);
  });
});
