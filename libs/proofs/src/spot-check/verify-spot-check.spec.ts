import { ProofBundle, verifyBundle } from '@app/receipts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The frozen v2 bundle (libs/receipts/test-fixtures/README.md): every other check passes or skips on it.
const FIXTURE_CA = '0x1563915e194D8CfBA1943570603F7606A3115508';
const fixture = (): ProofBundle =>
  JSON.parse(
    readFileSync(join(__dirname, '../../../receipts/test-fixtures/v2-bundle.json'), 'utf8'),
  ) as ProofBundle;
const options = {
  attestationPolicy: { now: new Date(), devAuthorities: [FIXTURE_CA], allowedMeasurements: null },
};
const checker = `0x${'ab'.repeat(20)}`;

describe('verifyBundle and spot checks', () => {
  it('fails a disputed reply on the spot-check check only, with the reason', async () => {
    const bundle: ProofBundle = {
      ...fixture(),
      spotCheck: {
        status: 'disputed',
        checkerNode: checker,
        checkedAt: new Date().toISOString(),
        reason: 'differs',
      },
    };
    const verification = await verifyBundle(bundle, options);
    expect(verification.ok).toBe(false);
    expect(verification.checks.filter((c) => c.status === 'fail')).toEqual([
      { check: 'spot-check', status: 'fail', detail: 'disputed: differs' },
    ]);
  });

  it('passes a matched one, and says nothing of a reply never sampled, pending or skipped', async () => {
    const base = fixture();
    const at = new Date().toISOString();
    const matched = await verifyBundle(
      { ...base, spotCheck: { status: 'matched', checkerNode: checker, checkedAt: at } },
      options,
    );
    expect(matched.ok).toBe(true);
    expect(matched.checks.find((c) => c.check === 'spot-check')?.status).toBe('pass');
    for (const spotCheck of [
      undefined,
      null,
      { status: 'pending' as const, checkerNode: null, checkedAt: null },
      { status: 'skipped' as const, checkerNode: null, checkedAt: at, reason: 'no other operator' },
    ]) {
      const verification = await verifyBundle({ ...base, spotCheck }, options);
      expect(verification.ok).toBe(true);
      expect(verification.checks.map((c) => c.check)).not.toContain('spot-check');
    }
  });
});
