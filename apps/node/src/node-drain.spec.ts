import { NodeDrain } from './node-drain';

describe('NodeDrain', () => {
  it('waits for the running inferences to end', async () => {
    const drain = new NodeDrain();
    const release = drain.track(new AbortController());
    expect(drain.outstanding).toBe(1);
    const drained = drain.drain(10_000);
    expect(drain.draining).toBe(true);
    setTimeout(release, 20);
    await expect(drained).resolves.toEqual({ cut: 0 });
    expect(drain.outstanding).toBe(0);
  });

  it('cuts what still runs when the time is up', async () => {
    const drain = new NodeDrain();
    const running = new AbortController();
    drain.track(running);
    await expect(drain.drain(20)).resolves.toEqual({ cut: 1 });
    expect(running.signal.aborted).toBe(true);
  });
});
