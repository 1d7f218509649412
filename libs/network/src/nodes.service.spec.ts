import type { AppConfig } from '@app/config';
import type { RateLimiter } from '@app/rate-limit';
import type { AttestationPolicyProvider } from './attestation-policy';
import { NodesService } from './nodes.service';
import type { NodesRepository } from './nodes.repository';
import type { RouterIdentity } from './router-identity';
import { HubPinRecorder } from './hub-pin-recorder';

describe('NodesService.list', () => {
  it('shares one read among the calls that arrive while it is in flight, and reads afresh after it', async () => {
    let reads = 0;
    let release!: () => void;
    const repository = {
      listPage: () => {
        reads += 1;
        return new Promise((resolve) => {
          release = () => resolve([]);
        });
      },
    } as unknown as NodesRepository;
    const config = { network: { heartbeatMs: 5_000 } } as unknown as AppConfig;
    const service = new NodesService(
      config,
      repository,
      {} as RouterIdentity,
      {} as RateLimiter,
      {} as AttestationPolicyProvider,
      {} as HubPinRecorder,
    );
    const firstPage = { limit: 100 };
    const burst = Array.from({ length: 20 }, () => service.list(firstPage));
    release();
    expect(await Promise.all(burst)).toEqual(
      Array.from({ length: 20 }, () => ({ data: [], nextCursor: null })),
    );
    expect(reads).toBe(1);
    const later = service.list(firstPage);
    release();
    await later;
    expect(reads).toBe(2);
  });

  it('refuses a cursor it did not issue with VALIDATION_FAILED before reading anything', () => {
    const repository = {
      listPage: () => Promise.reject(new Error('must not read')),
    } as unknown as NodesRepository;
    const config = { network: { heartbeatMs: 5_000 } } as unknown as AppConfig;
    const service = new NodesService(
      config,
      repository,
      {} as RouterIdentity,
      {} as RateLimiter,
      {} as AttestationPolicyProvider,
      {} as HubPinRecorder,
    );
    expect(() => service.list({ limit: 10, cursor: 'not-a-cursor' })).toThrow(
      /cursor is not one this API issued/,
    );
  });
});
