import { mayServe } from './churn-nodes';

const node = (fields: { operator: string | null; modelIds: string[] }) => ({
  id: 'n',
  name: 'n',
  address: '0x0',
  status: 'active',
  healthy: true,
  ...fields,
});

describe('mayServe (load:churn: which other healthy nodes soften the churn)', () => {
  it('counts a node listing the run’s model id, not one listing other ids', () => {
    expect(mayServe(node({ operator: 'op', modelIds: ['embedded:local'] }), 'embedded:local')).toBe(true);
    // start:cluster's nodes and a hand-started slow node cannot take embedded:local replies.
    expect(mayServe(node({ operator: 'op', modelIds: ['embedded'] }), 'embedded:local')).toBe(false);
    expect(mayServe(node({ operator: 'op', modelIds: ['embedded:slow'] }), 'embedded:local')).toBe(false);
  });

  it('counts the in-process node (no operator, no model list): it serves what the api’s registry runs', () => {
    expect(mayServe(node({ operator: null, modelIds: [] }), 'embedded:local')).toBe(true);
  });
});
