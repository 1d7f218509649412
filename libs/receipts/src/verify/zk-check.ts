import { checkZkProof } from '@app/zk';
import type { BundleZk } from '../bundle';
import { CheckResult, fail, pass } from './verification.types';

export async function verifyZkBundle(zk: BundleZk, content: string): Promise<CheckResult> {
  const result = await checkZkProof(zk, content);
  if (!result.valid) return fail('zk-proof', result.reason);
  const scores = Object.entries(result.score)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return pass('zk-proof', `Groth16 proof of the committed scoring model verifies (${scores})`);
}
