import { orderProbes, roundRobinByOperator } from './probe-order';

const nodes = (operatorId: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `${operatorId}${i}`, operatorId }));
const ids = (list: { id: string }[]) => list.map((n) => n.id);

describe('probe order', () => {
  it('gives every operator a turn before any operator a second', () => {
    const order = roundRobinByOperator([...nodes('a', 3), ...nodes('b', 1), ...nodes('c', 2)]);
    expect(ids(order)).toEqual(['a0', 'b0', 'c0', 'a1', 'c1', 'a2']);
  });

  it('starts the healthy nodes soonest to lapse first, and keeps a quarter of the round for probation', () => {
    const lapsing = nodes('h', 100);
    const order = orderProbes({ lapsing, probation: [...nodes('s', 50), ...nodes('t', 50)] }, 64);
    expect(order).toHaveLength(64);
    expect(ids(order.slice(0, 48))).toEqual(ids(lapsing.slice(0, 48)));
    // Sixteen probation slots, shared by both operators though `s` came first.
    expect(ids(order.slice(48))).toEqual(ids(roundRobinByOperator([...nodes('s', 8), ...nodes('t', 8)])));
  });

  it("one operator's thousand new nodes leave another operator's new node a slot", () => {
    const order = orderProbes(
      { lapsing: nodes('h', 100), probation: [...nodes('s', 1000), ...nodes('x', 1)] },
      64,
    );
    expect(ids(order)).toContain('x0');
  });

  it('lets either lane use the slots the other leaves', () => {
    expect(orderProbes({ lapsing: nodes('h', 2), probation: nodes('s', 100) }, 64)).toHaveLength(64);
    expect(orderProbes({ lapsing: nodes('h', 100), probation: nodes('s', 3) }, 64)).toHaveLength(64);
    expect(orderProbes({ lapsing: nodes('h', 100), probation: [] }, 64)).toEqual(nodes('h', 64));
  });
});
