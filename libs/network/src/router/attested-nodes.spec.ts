import { DevAttestationAuthority, devMeasurement } from '@app/attestation';
import { AppConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import { Wallet } from 'ethers';
import { AttestationPolicyProvider } from '../attestation-policy';
import { AttestedNodes, VERDICT_TTL_MS } from './attested-nodes';

const T0 = Date.parse('2030-01-01T00:00:00Z');

describe('AttestedNodes', () => {
  const authority = DevAttestationAuthority.random();
  const policy = new AttestationPolicyProvider(
    AppConfig.fromProcessEnv({ TRUSTED_DEV_AUTHORITIES: authority.address, TRUST_LOCAL_DEV_CA: 'false' }),
  );

  async function node(validForMs: number) {
    const address = Wallet.createRandom().address;
    const document = await authority.issue({
      nodeAddress: address,
      measurement: devMeasurement('twinproof/node/v1'),
      validForMs,
      issuedAt: new Date(T0),
    });
    return { id: `node-${address}`, address, attestation: { kind: 'dev', document } };
  }

  afterEach(() => jest.restoreAllMocks());

  it('notices an expiry within a minute, and logs the refusal once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const attested = new AttestedNodes(policy);
    const short = await node(90_000);
    expect((await attested.filter([short], T0 + 60_000)).map((n) => n.id)).toEqual([short.id]);
    // Expired at T0 + 90 s, but the verdict of T0 + 60 s holds for a minute.
    expect(await attested.filter([short], T0 + 100_000)).toHaveLength(1);
    expect(await attested.filter([short], T0 + 60_000 + VERDICT_TTL_MS)).toEqual([]);
    expect(await attested.filter([short], T0 + 60_000 + 3 * VERDICT_TTL_MS)).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain(short.id);
  });

  it('refuses, without throwing, a node whose policy cannot be read or whose evidence binds another key', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const broken = { current: () => Promise.reject(new Error('dev CA file unreadable')) };
    const good = await node(3_600_000);
    const verdict = await new AttestedNodes(broken as unknown as AttestationPolicyProvider).verdict(good, T0);
    expect(verdict).toMatchObject({ verified: false, reason: expect.stringContaining('unreadable') });
    const stolen = { ...good, id: 'thief', address: Wallet.createRandom().address };
    expect(await new AttestedNodes(policy).filter([good, stolen], T0)).toEqual([good]);
  });
});
