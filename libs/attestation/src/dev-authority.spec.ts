import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { policyAt } from '../test-fixtures/fixtures';
import type { AttestationPolicy } from './attestation.types';
import { DevAttestationAuthority } from './dev-authority';
import { DEV_ATTESTATION_WARNING, devMeasurement } from './dev-attestation.format';
import { verifyAttestation } from './verify-attestation';

const ISSUED_AT = new Date('2030-01-01T00:00:00Z');
const HOUR = 60 * 60 * 1000;

describe('development attestations', () => {
  const authority = DevAttestationAuthority.random();
  const node = Wallet.createRandom();
  const measurement = devMeasurement('twinproof-node@1.0.0');
  const policy: AttestationPolicy = policyAt(new Date(ISSUED_AT.getTime() + HOUR / 2), {
    devAuthorities: [authority.address.toLowerCase()],
  });

  async function issue(): Promise<string> {
    return authority.issue({ nodeAddress: node.address, measurement, validForMs: HOUR, issuedAt: ISSUED_AT });
  }

  async function edited(change: (document: Record<string, unknown>) => void): Promise<string> {
    const document = JSON.parse(await issue()) as Record<string, unknown>;
    change(document);
    return JSON.stringify(document);
  }

  it('verifies what it issues, binding the node address, and labels it as development only', async () => {
    const document = await issue();
    const verdict = await verifyAttestation({ kind: 'dev', document }, policy);

    expect(JSON.parse(document)).toMatchObject({
      format: 'twinproof-dev-attestation/1',
      warning: DEV_ATTESTATION_WARNING,
      authority: authority.address,
      issuedAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-01T01:00:00.000Z',
    });
    expect(verdict).toMatchObject({
      kind: 'dev',
      verified: true,
      measurement,
      boundAddress: node.address,
      status: 'development',
    });
    expect(verdict.advisories).toEqual([DEV_ATTESTATION_WARNING]);
  });

  it('refuses an authority the policy does not trust', async () => {
    const verdict = await verifyAttestation(
      { kind: 'dev', document: await issue() },
      { ...policy, devAuthorities: [] },
    );

    expect(verdict.reason).toBe(
      `untrusted dev authority: ${authority.address} is not in the policy's devAuthorities`,
    );
  });

  it('refuses a document signed by another key that names the trusted authority', async () => {
    const impostor = DevAttestationAuthority.random();
    const forged = JSON.parse(
      await impostor.issue({ nodeAddress: node.address, measurement, validForMs: HOUR, issuedAt: ISSUED_AT }),
    ) as Record<string, unknown>;
    forged.authority = authority.address;
    const verdict = await verifyAttestation({ kind: 'dev', document: JSON.stringify(forged) }, policy);

    expect(verdict.verified).toBe(false);
    expect(verdict.reason).toMatch(/^signature invalid: signed by 0x/);
  });

  it('refuses an expired attestation', async () => {
    const later = policyAt(new Date(ISSUED_AT.getTime() + 2 * HOUR), { devAuthorities: [authority.address] });
    const verdict = await verifyAttestation({ kind: 'dev', document: await issue() }, later);

    expect(verdict.reason).toBe('dev attestation expired at 2030-01-01T01:00:00.000Z');
  });

  it('refuses an attestation whose node address was swapped', async () => {
    const other = Wallet.createRandom().address;
    const document = await edited((fields) => (fields.nodeAddress = other));
    const verdict = await verifyAttestation({ kind: 'dev', document }, policy);

    expect(verdict).toMatchObject({ verified: false, boundAddress: other });
    expect(verdict.reason).toMatch(/^signature invalid/);
  });

  it('refuses an attestation whose warning was removed', async () => {
    const document = await edited((fields) => (fields.warning = 'TEE attestation'));
    const verdict = await verifyAttestation({ kind: 'dev', document }, policy);

    expect(verdict.reason).toBe('malformed document: the development warning is missing or altered');
  });

  it('refuses a measurement missing from the dev allow-list', async () => {
    const strict = { ...policy, allowedMeasurements: { dev: [devMeasurement('twinproof-node@2.0.0')] } };
    const verdict = await verifyAttestation({ kind: 'dev', document: await issue() }, strict);

    expect(verdict).toMatchObject({ verified: false, measurement });
    expect(verdict.reason).toMatch(/^measurement not allowed/);
  });

  describe('key file', () => {
    let folder: string;

    beforeEach(async () => {
      folder = await mkdtemp(join(tmpdir(), 'twinproof-dev-ca-'));
    });

    afterEach(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    it('is created with mode 0600, in new folders, and reloads to the same authority', async () => {
      const filePath = join(folder, 'nested', 'dir', 'dev-ca.json');
      const created = await DevAttestationAuthority.loadOrCreate(filePath);
      const reloaded = await DevAttestationAuthority.loadOrCreate(filePath);

      expect((await stat(filePath)).mode & 0o777).toBe(0o600);
      expect(reloaded.address).toBe(created.address);
      expect(JSON.parse(await readFile(filePath, 'utf8'))).toMatchObject({ address: created.address });
    });
  });
});
