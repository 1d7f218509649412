import { createHash } from 'node:crypto';
import { PINNED_DATES, policyAt, sampleEvidence } from '../test-fixtures/fixtures';
import { AWS_NITRO_ROOT_SHA256 } from './nitro';
import { verifyAttestation } from './verify-attestation';

const ZERO_PCR = `0x${'00'.repeat(48)}`;

/** Flips one bit inside the signed payload: a character of module_id, so the CBOR stays well-formed. */
function tamperedPayload(): string {
  const bytes = Buffer.from(sampleEvidence('nitro').document, 'base64');
  const at = bytes.indexOf('i-0644948d93f19c17b');
  bytes[at + 5] ^= 0x01;
  return bytes.toString('base64');
}

describe('Nitro attestation documents', () => {
  const pinned = policyAt(PINNED_DATES.nitro);

  it('verifies the public sample at its pinned date and reports PCR0 as the measurement', async () => {
    const verdict = await verifyAttestation(sampleEvidence('nitro'), pinned);

    expect(verdict).toMatchObject({
      kind: 'nitro',
      verified: true,
      measurement: ZERO_PCR,
      boundAddress: null,
    });
    expect(verdict.status).toBe('debug');
    expect(verdict.issuedAt).toBe('2023-09-07T15:56:01.556Z');
    expect(verdict.details?.moduleId).toBe('i-0644948d93f19c17b-enc018a705a4fc6e067');
    expect(verdict.details?.pcr3).toMatch(/^0x4a9329d6/);
  });

  it('pins the AWS Nitro root the sample chains to, and refuses any other root', async () => {
    const bytes = Buffer.from(sampleEvidence('nitro').document, 'base64');
    // cabundle is a CBOR array (0x84) whose first byte string (0x59, 2-byte length) is the root certificate.
    const at = bytes.indexOf('cabundle') + 'cabundle'.length;
    expect([bytes[at], bytes[at + 1]]).toEqual([0x84, 0x59]);
    const rootEnd = at + 4 + bytes.readUInt16BE(at + 2);
    expect(
      createHash('sha256')
        .update(bytes.subarray(at + 4, rootEnd))
        .digest('hex'),
    ).toBe(AWS_NITRO_ROOT_SHA256);

    bytes[rootEnd - 1] ^= 0x01; // inside the root's signature value: still a parsable certificate
    const verdict = await verifyAttestation({ kind: 'nitro', document: bytes.toString('base64') }, pinned);
    expect(verdict.reason).toMatch(/^certificate chain invalid: untrusted root certificate/);
  });

  it('rejects the sample today because its certificates have expired', async () => {
    const verdict = await verifyAttestation(sampleEvidence('nitro'), policyAt(new Date()));

    expect(verdict.verified).toBe(false);
    expect(verdict.reason).toMatch(/^certificate .* expired at 2023-09-07T/);
  });

  it('rejects the sample before its enclave certificate was issued', async () => {
    const verdict = await verifyAttestation(
      sampleEvidence('nitro'),
      policyAt(new Date('2023-09-01T00:00:00Z')),
    );

    expect(verdict.reason).toMatch(/not yet valid until 2023-09-07T/);
  });

  it('rejects a document with one byte of the signed payload flipped', async () => {
    const verdict = await verifyAttestation({ kind: 'nitro', document: tamperedPayload() }, pinned);

    expect(verdict.verified).toBe(false);
    expect(verdict.reason).toMatch(/^signature invalid/);
  });

  it('rejects a truncated document as malformed', async () => {
    const document = sampleEvidence('nitro').document.slice(0, 400);
    const verdict = await verifyAttestation({ kind: 'nitro', document }, pinned);

    expect(verdict.reason).toMatch(/^malformed document/);
  });

  it('rejects a PCR0 missing from the allow-list and accepts it once listed', async () => {
    const refused = await verifyAttestation(
      sampleEvidence('nitro'),
      policyAt(PINNED_DATES.nitro, { allowedMeasurements: { nitro: [`0x${'ab'.repeat(48)}`] } }),
    );
    const listed = await verifyAttestation(
      sampleEvidence('nitro'),
      policyAt(PINNED_DATES.nitro, { allowedMeasurements: { nitro: ['00'.repeat(48)] } }),
    );

    expect(refused).toMatchObject({ verified: false, measurement: ZERO_PCR });
    expect(refused.reason).toMatch(/^measurement not allowed/);
    expect(listed.verified).toBe(true);
  });

  it('allows nothing for a kind the allow-list leaves out', async () => {
    const verdict = await verifyAttestation(
      sampleEvidence('nitro'),
      policyAt(PINNED_DATES.nitro, { allowedMeasurements: { tdx: [ZERO_PCR] } }),
    );

    expect(verdict.reason).toMatch(/^measurement not allowed/);
  });
});
