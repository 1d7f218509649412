import { constants } from '@phala/dcap-qvl';
import { getAddress } from 'ethers';
import {
  collateralOf,
  fixtureBytes,
  PINNED_DATES,
  policyAt,
  sampleEvidence,
} from '../test-fixtures/fixtures';
import { INTEL_SGX_ROOT_CA } from './intel-root';
import { verifyAttestation } from './verify-attestation';

const samples = [
  {
    kind: 'tdx' as const,
    measurement:
      '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7',
    status: 'UpToDate',
    advisories: [],
    // Header (48 bytes) + TD report 1.0 (584 bytes); REPORTDATA is the report's last 64 bytes.
    reportDataOffset: 48 + 584 - 64,
    expiredAt: 'TCB info expired at 2025-07-19T10:16:03.000Z',
  },
  {
    kind: 'sgx' as const,
    measurement: '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb',
    status: 'ConfigurationAndSWHardeningNeeded',
    advisories: ['INTEL-SA-00289', 'INTEL-SA-00615'],
    // Header (48 bytes) + enclave report (384 bytes); REPORTDATA is the report's last 64 bytes.
    reportDataOffset: 48 + 384 - 64,
    expiredAt: 'TCB info expired at 2025-07-19T10:56:11.000Z',
  },
];

describe.each(samples)('$kind DCAP quotes', (sample) => {
  const pinned = policyAt(PINNED_DATES[sample.kind]);

  function withQuoteByteFlipped(offset: number) {
    const quote = fixtureBytes(`${sample.kind}_quote`);
    quote[offset] ^= 0x01;
    return { ...sampleEvidence(sample.kind), document: quote.toString('base64') };
  }

  it('verifies the public sample at its pinned date with its TCB status and advisories', async () => {
    const verdict = await verifyAttestation(sampleEvidence(sample.kind), pinned);

    expect(verdict).toMatchObject({
      kind: sample.kind,
      verified: true,
      measurement: sample.measurement,
      status: sample.status,
      advisories: sample.advisories,
    });
    expect(verdict.expiresAt).toMatch(/^2025-07-19T10:/);
  });

  it('rejects the sample today because its collateral has expired', async () => {
    const verdict = await verifyAttestation(sampleEvidence(sample.kind), policyAt(new Date()));

    expect(verdict).toMatchObject({
      verified: false,
      reason: sample.expiredAt,
      measurement: sample.measurement,
    });
  });

  it('rejects the quote with one byte of its signed body flipped', async () => {
    const verdict = await verifyAttestation(withQuoteByteFlipped(sample.reportDataOffset), pinned);

    expect(verdict.verified).toBe(false);
    expect(verdict.reason).toBe('signature invalid: the quote body does not verify with the attestation key');
  });

  it('rejects collateral whose signed TCB info was edited', async () => {
    const collateral = collateralOf(sample.kind);
    collateral.tcb_info = String(collateral.tcb_info).replace('"OutOfDate"', '"UpToDate"');
    const verdict = await verifyAttestation({ ...sampleEvidence(sample.kind), collateral }, pinned);

    expect(verdict.reason).toBe('signature invalid: Signature is invalid for tcb_info');
  });

  it('rejects a PCK CRL that is not signed by its CA, which dcap-qvl alone would accept', async () => {
    const collateral = collateralOf(sample.kind);
    const crl = Buffer.from(String(collateral.pck_crl), 'hex');
    crl[crl.length - 1] ^= 0x01;
    collateral.pck_crl = crl.toString('hex');
    const verdict = await verifyAttestation({ ...sampleEvidence(sample.kind), collateral }, pinned);

    expect(verdict.reason).toMatch(/^collateral signature invalid: PCK CRL is not signed by/);
  });

  it('rejects an MR value missing from the allow-list and accepts it once listed', async () => {
    const refused = await verifyAttestation(
      sampleEvidence(sample.kind),
      policyAt(PINNED_DATES[sample.kind], { allowedMeasurements: { [sample.kind]: ['0x1234'] } }),
    );
    const listed = await verifyAttestation(
      sampleEvidence(sample.kind),
      policyAt(PINNED_DATES[sample.kind], {
        allowedMeasurements: { [sample.kind]: [sample.measurement.toUpperCase()] },
      }),
    );

    expect(refused).toMatchObject({ verified: false, measurement: sample.measurement });
    expect(refused.reason).toMatch(/^measurement not allowed/);
    expect(listed.verified).toBe(true);
  });

  it('refuses a TCB status the policy does not accept, still reporting it', async () => {
    const verdict = await verifyAttestation(
      sampleEvidence(sample.kind),
      policyAt(PINNED_DATES[sample.kind], { acceptedTcbStatuses: ['Revoked'] }),
    );

    expect(verdict).toMatchObject({ verified: false, status: sample.status });
    expect(verdict.reason).toBe(`TCB status not accepted: ${sample.status}`);
  });

  it('rejects evidence without collateral', async () => {
    const verdict = await verifyAttestation(
      { kind: sample.kind, document: sampleEvidence(sample.kind).document },
      pinned,
    );

    expect(verdict.reason).toBe('malformed collateral: missing');
  });
});

describe('DCAP specifics', () => {
  it('refuses an SGX quote presented as TDX', async () => {
    const verdict = await verifyAttestation(
      { ...sampleEvidence('sgx'), kind: 'tdx' },
      policyAt(PINNED_DATES.sgx),
    );

    expect(verdict.reason).toBe('malformed document: the quote is not a TDX quote');
  });

  it('refuses a PCK CRL from a CA that did not issue the quote’s PCK certificate', async () => {
    // The TDX sample's PCK is from the Platform CA, the SGX sample's from the Processor CA.
    const sgx = collateralOf('sgx');
    const collateral = {
      ...collateralOf('tdx'),
      pck_crl: sgx.pck_crl,
      pck_crl_issuer_chain: sgx.pck_crl_issuer_chain,
    };
    const verdict = await verifyAttestation(
      { ...sampleEvidence('tdx'), collateral },
      policyAt(PINNED_DATES.tdx),
    );

    expect(verdict.reason).toMatch(/^collateral mismatch: the PCK CRL is from Intel SGX PCK Processor CA/);
  });

  it('binds the address in REPORTDATA only when the rest is zero', async () => {
    const tdx = await verifyAttestation(sampleEvidence('tdx'), policyAt(PINNED_DATES.tdx));
    const sgx = await verifyAttestation(sampleEvidence('sgx'), policyAt(PINNED_DATES.sgx));

    expect(tdx.boundAddress).toBeNull();
    // The SGX sample's REPORTDATA is "Hello, world!" then zeros: under our convention it reads as an address.
    const helloWorld = `0x${Buffer.from('Hello, world!').toString('hex').padEnd(40, '0')}`;
    expect(sgx.boundAddress).toBe(getAddress(helloWorld));
  });

  it('trusts the same Intel root that dcap-qvl ships, so an upgrade changing it is noticed', () => {
    expect(Buffer.from(constants.TRUSTED_ROOT_CA_DER).equals(INTEL_SGX_ROOT_CA.raw)).toBe(true);
  });
});
