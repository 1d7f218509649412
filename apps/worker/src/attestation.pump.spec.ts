import type { AppConfig } from '@app/config';
import type { ReceiptAttestationService } from '@app/proofs';
import type { SpotCheckService } from '@app/proofs/spot-check';
import { AttestationPump } from './attestation.pump';

describe('AttestationPump', () => {
  it('waits its poll interval when a full round made no progress (every receipt deferred), instead of spinning', async () => {
    let rounds = 0;
    const deferred = Array.from({ length: 10 }, (_, i) => ({
      record: { id: `r${i}` },
      reason: 'verifier down',
    }));
    const attestation = {
      anyPending: () => Promise.resolve(true),
      attestPending: () => {
        rounds += 1;
        // A macrotask, as a database round trip is: a spinning pump then shows as a count, not a starved test.
        return new Promise((resolve) =>
          setImmediate(() =>
            resolve({ attested: [], failed: [], deferred, opened: [], full: [], claimed: 10 }),
          ),
        );
      },
    } as unknown as ReceiptAttestationService;
    const config = {
      batches: { attestRound: 10, attestPollMs: 200 },
    } as unknown as AppConfig;
    const pump = new AttestationPump(config, attestation, {} as SpotCheckService);
    pump.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await pump.onModuleDestroy();
    // Three or four rounds in 500 ms at a 200 ms poll; a pump that took deferred receipts for progress runs thousands.
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(rounds).toBeLessThan(20);
  });
});
