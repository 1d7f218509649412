import { ProofTracker } from './proofs';
import type { TurnTimeline } from './metrics';

const done = (messageId: string, inferenceId: string | undefined, doneAt: number): TurnTimeline => ({
  conversation: 0,
  turn: 0,
  measured: true,
  intendedAt: 0,
  sentAt: 0,
  tokenAt: [],
  doneAt,
  messageId,
  inferenceId,
});

describe('ProofTracker', () => {
  it('times message:done → anchored, matching by inference id or message id', () => {
    const proofs = new ProofTracker();
    proofs.track(done('m1', 'i1', 1000));
    proofs.track(done('m2', undefined, 2000));
    proofs.update({ inferenceId: 'i1', messageId: 'm1', status: 'attested' }, 1050);
    proofs.update({ inferenceId: 'i1', messageId: 'm1', status: 'anchored' }, 1400);
    expect(proofs.settled()).toBe(false);
    proofs.update({ inferenceId: 'i2', messageId: 'm2', status: 'anchored' }, 2600);
    expect(proofs.settled()).toBe(true);
    const figures = proofs.figures();
    expect(figures).toMatchObject({
      updatesSeen: 3,
      tracked: 2,
      anchored: 2,
      statuses: { attested: 1, anchored: 2 },
    });
    expect(figures.anchorLag?.p50).toBeCloseTo(400, 0);
    expect(figures.anchorLag?.max).toBeCloseTo(600, 0);
    expect(figures.lagByStatus.attested?.max).toBeCloseTo(50, 0);
  });

  it('says so when no update arrived, and ignores the unmeasured', () => {
    const proofs = new ProofTracker();
    proofs.track({ ...done('m1', 'i1', 10), measured: false });
    expect(proofs.figures()).toMatchObject({ updatesSeen: 0, tracked: 0, anchored: 0, anchorLag: undefined });
  });
});
