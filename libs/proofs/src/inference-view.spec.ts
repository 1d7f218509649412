import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProofBundle, verifyBundle } from '@app/receipts';
import { toBundle } from './inference-view';
import type { InferenceDetail } from './inferences.repository';

// libs/receipts/test-fixtures/README.md: a v1 bundle signed by node key 0x11…11 under dev CA 0x1563….
const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../receipts/test-fixtures/v1-bundle.json'), 'utf8'),
) as ProofBundle;
const policy = {
  now: new Date(),
  devAuthorities: ['0x1563915e194D8CfBA1943570603F7606A3115508'],
  allowedMeasurements: null,
};

/** The stored record of the fixture's reply, as the repository returns it (only what the view reads). */
function storedReply(node: { measurement: string; document: string }): InferenceDetail {
  return {
    id: fixture.inferenceId,
    status: 'attested',
    salt: null,
    receipt: fixture.receipt,
    digest: fixture.digest,
    signature: fixture.signature,
    signer: fixture.signer,
    input: fixture.input,
    message: { content: fixture.content },
    batch: null,
    totalMs: null,
    node: { attestationKind: 'dev', measurement: node.measurement, attestation: { document: node.document } },
    proofs: [
      {
        kind: 'attestation',
        status: 'verified',
        data: {
          kind: 'dev',
          measurement: fixture.attestation.measurement,
          evidence: { document: fixture.attestation.document },
        },
      },
    ],
  } as unknown as InferenceDetail;
}

describe('toBundle', () => {
  it('labels the attestation with what the checked document says, even after the node re-registered', async () => {
    const reRegistered = storedReply({
      measurement: `0x${'ab'.repeat(32)}`,
      document: '{"newer":"evidence"}',
    });
    const bundle = toBundle(reRegistered, true)!;
    expect(bundle.attestation).toMatchObject({
      kind: 'dev',
      document: fixture.attestation.document,
      measurement: fixture.attestation.measurement,
    });
    const verification = await verifyBundle(bundle, { attestationPolicy: policy });
    expect(verification.checks.find((c) => c.check === 'attestation')).toMatchObject({ status: 'pass' });
  });
});
