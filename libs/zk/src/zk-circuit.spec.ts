import { readFileSync } from 'node:fs';
import { wtns, type MemFile } from 'snarkjs';
import { releaseZkResources } from './curve';
import { loadZkArtifacts } from './manifest';
import { buildCircuitInput } from './model/circuit-input';
import { commitWeights } from './model/commitment';
import { extractFeatures } from './model/features';
import { FEATURE_MAX, fromField } from './model/fixed-point';
import { runMlp } from './model/mlp';
import { REPLY_SCORE_WEIGHTS } from './model/weights';

// Witness generation alone (no proving) is enough to compare the circuit's arithmetic with mlp.ts, and ~10x faster.
describe('reply_score.circom against mlp.ts', () => {
  const { wasmPath, manifest } = loadZkArtifacts();
  const wasm = readFileSync(wasmPath);
  const commitment = BigInt(manifest.commitment);

  async function circuitScores(
    features: number[],
    weights = REPLY_SCORE_WEIGHTS,
    c = commitment,
  ): Promise<number[]> {
    const out: MemFile = { type: 'mem' };
    await wtns.calculate(buildCircuitInput(features, weights, c), wasm, out);
    const witness = await wtns.exportJson(out);
    // Witness layout: the constant 1, then the outputs, then the public inputs.
    return witness.slice(1, 3).map((v) => Number(fromField(v)));
  }

  afterAll(releaseZkResources);

  // Seeded, so a failure reproduces.
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % (FEATURE_MAX + 1);

  const vectors: [string, number[]][] = [
    ['all zero', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['all max', Array<number>(8).fill(FEATURE_MAX)],
    ['warm reply', extractFeatures("Thanks for asking! I'd love to help you plan the trip.")],
    ['abusive reply', extractFeatures('SHUT UP, you STUPID idiot!!! Who asked you?')],
    ['random 1', Array.from({ length: 8 }, random)],
    ['random 2', Array.from({ length: 8 }, random)],
  ];

  it.each(vectors)('gives the same scores for %s', async (_name, features) => {
    expect(await circuitScores(features)).toEqual(runMlp(features, REPLY_SCORE_WEIGHTS).scores);
  });

  // circom's runtime reports a failed constraint on console.error before rejecting.
  const quietly = async (run: () => Promise<unknown>): Promise<void> => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(run()).rejects.toThrow(/Assert Failed/);
    } finally {
      spy.mockRestore();
    }
  };

  it('has no witness for weights other than the committed ones', async () => {
    const b2 = [REPLY_SCORE_WEIGHTS.b2[0] + 1, REPLY_SCORE_WEIGHTS.b2[1]];
    await quietly(() => circuitScores([1, 2, 3, 4, 5, 6, 7, 8], { ...REPLY_SCORE_WEIGHTS, b2 }));
    const other = { ...REPLY_SCORE_WEIGHTS, b2 };
    // Consistent but different weights need their own commitment, which the verifier then rejects.
    expect(await circuitScores([1, 2, 3, 4, 5, 6, 7, 8], other, commitWeights(other))).toHaveLength(2);
  });

  it('has no witness for a feature outside [0, 255]', async () => {
    await quietly(() => circuitScores([256, 0, 0, 0, 0, 0, 0, 0]));
    await quietly(() => circuitScores([-1, 0, 0, 0, 0, 0, 0, 0]));
  });
});
