import { Wallet } from 'ethers';
import { PINNED_DATES, policyAt, sampleEvidence } from '../test-fixtures/fixtures';
import type { AttestationEvidence, AttestationKind } from './attestation.types';
import { DevAttestationAuthority } from './dev-authority';
import { devMeasurement } from './dev-attestation.format';
import { verifyAttestation, verifyNodeBinding } from './verify-attestation';

describe('verifyAttestation', () => {
  it('refuses an unknown kind instead of throwing', async () => {
    const evidence = { kind: 'sev' as AttestationKind, document: 'x' };
    const verdict = await verifyAttestation(evidence, policyAt(new Date()));

    expect(verdict).toMatchObject({ verified: false, reason: 'unsupported attestation kind: sev' });
  });

  it('refuses null evidence parsed from JSON instead of throwing', async () => {
    const verdict = await verifyAttestation(JSON.parse('null') as AttestationEvidence, policyAt(new Date()));

    expect(verdict).toMatchObject({ verified: false, reason: 'unsupported attestation kind: undefined' });
  });

  it('refuses to verify at an invalid date, which would otherwise skip every expiry check', async () => {
    const verdict = await verifyAttestation(sampleEvidence('nitro'), policyAt(new Date('not a date')));

    expect(verdict).toMatchObject({ verified: false, reason: 'policy.now is not a valid date' });
  });

  it('accepts DCAP collateral given as JSON text', async () => {
    const evidence = sampleEvidence('tdx');
    const verdict = await verifyAttestation(
      { ...evidence, collateral: JSON.stringify(evidence.collateral) },
      policyAt(PINNED_DATES.tdx),
    );

    expect(verdict.verified).toBe(true);
  });

  it.each(['dev', 'nitro', 'tdx', 'sgx'] as const)(
    'refuses a %s document that is not what it claims',
    async (kind) => {
      const verdict = await verifyAttestation(
        { kind, document: '{"not": "evidence"}' },
        policyAt(new Date()),
      );

      expect(verdict.verified).toBe(false);
      expect(verdict.reason).toMatch(/^malformed document/);
    },
  );
});

describe('verifyNodeBinding', () => {
  const authority = DevAttestationAuthority.random();
  const node = Wallet.createRandom();
  const policy = policyAt(new Date('2030-01-01T00:30:00Z'), { devAuthorities: [authority.address] });
  let evidence: AttestationEvidence;

  beforeAll(async () => {
    const document = await authority.issue({
      nodeAddress: node.address,
      measurement: devMeasurement('twinproof-node@1.0.0'),
      validForMs: 60 * 60 * 1000,
      issuedAt: new Date('2030-01-01T00:00:00Z'),
    });
    evidence = { kind: 'dev', document };
  });

  it('accepts the node key the evidence binds, in any letter case', async () => {
    const verdict = await verifyNodeBinding(evidence, node.address.toLowerCase(), policy);

    expect(verdict.verified).toBe(true);
  });

  it('refuses another key', async () => {
    const other = Wallet.createRandom().address;
    const verdict = await verifyNodeBinding(evidence, other, policy);

    expect(verdict).toMatchObject({ verified: false, boundAddress: node.address });
    expect(verdict.reason).toBe(`key not bound: the evidence binds ${node.address}, not ${other}`);
  });

  it('refuses valid TEE evidence that binds no address', async () => {
    const verdict = await verifyNodeBinding(
      sampleEvidence('nitro'),
      node.address,
      policyAt(PINNED_DATES.nitro),
    );

    expect(verdict.reason).toBe(`key not bound: the evidence binds no address, not ${node.address}`);
  });

  it('passes on the verification failure when the evidence itself is refused', async () => {
    const verdict = await verifyNodeBinding(evidence, node.address, { ...policy, devAuthorities: [] });

    expect(verdict.reason).toMatch(/^untrusted dev authority/);
  });
});
