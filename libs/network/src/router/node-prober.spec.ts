import { AppConfig } from '@app/config';
import type { Node } from '@app/database';
import type { DueProbeQuery, DueProbes, NodesRepository } from '../nodes.repository';
import type { RouterIdentity } from '../router-identity';
import { NodeProber, withDeadline } from './node-prober';
import { probeNode } from './node-prober-call';

// The probe itself is the int-spec's (real HTTP); here it is a promise the test controls.
jest.mock('./node-prober-call', () => ({ probeNode: jest.fn() }));
const probe = jest.mocked(probeNode);

const HEARTBEAT_MS = 400;
const node = { id: 'n1', url: 'http://127.0.0.1:9', address: '0x1', operatorId: 'op' } as Node;

function prober(due: Node[], heartbeatMs = HEARTBEAT_MS) {
  const nodes = {
    listDueProbe: jest.fn<Promise<DueProbes>, [DueProbeQuery]>(async () => ({ lapsing: [], probation: due })),
    recordProbe: jest.fn(async () => true),
  };
  const config = AppConfig.fromProcessEnv({ NODE_HEARTBEAT_MS: String(heartbeatMs) });
  const instance = new NodeProber(config, nodes as unknown as NodesRepository, {} as RouterIdentity);
  return { instance, nodes };
}

describe('NodeProber round', () => {
  afterEach(() => probe.mockReset());

  it('ends a round whose probe never settles at the probe deadline, counting it failed', async () => {
    probe.mockReturnValue(new Promise(() => undefined));
    const { instance, nodes } = prober([node]);
    const started = Date.now();
    await instance.round();
    expect(Date.now() - started).toBeLessThan(HEARTBEAT_MS + 1_000);
    expect(nodes.recordProbe).not.toHaveBeenCalled();
    // Failed: skipped until its retry time.
    await instance.round();
    expect(nodes.listDueProbe.mock.calls[1][0].skipIds).toEqual(['n1']);
    await instance.onModuleDestroy();
  });

  it('keeps a failure streak until a success: the short timeout, and the full one every fourth try', async () => {
    probe.mockResolvedValue({ ok: false, reason: 'silent' });
    const { instance } = prober([node], 10_000);
    // Each round far later than the backoff, as a prober running late under load: the streak is kept all the same.
    for (let round = 1; round <= 5; round += 1) await instance.round(Date.now() + round * 50 * 10_000);
    expect(probe.mock.calls.map(([, , timeoutMs]) => timeoutMs)).toEqual([2_000, 500, 500, 500, 2_000]);
    await instance.onModuleDestroy();
  });

  it('settles with the probe, or with a failure at the deadline', async () => {
    await expect(withDeadline(Promise.resolve({ ok: true }), 50)).resolves.toEqual({ ok: true });
    await expect(withDeadline(new Promise(() => undefined), 50)).resolves.toMatchObject({ ok: false });
  });
});
