import { Interface } from 'ethers';
import { groth16 } from 'snarkjs';
import { loadZkArtifacts } from './manifest';
import { extractFeatures } from './model/features';
import { runMlp } from './model/mlp';
import { REPLY_SCORE_WEIGHTS } from './model/weights';
import { PUBLIC_SIGNAL_NAMES } from './public-signals';
import { encodeVerifyProofCall, loadVerifierArtifact, toSolidityCalldata } from './solidity-calldata';
import type { ZkProofBundle } from './zk-bundle';
import { ZkProver } from './zk-prover';
import { checkZkProof, verifyZkProof } from './zk-verify';

const TEXT = "Thanks for asking! I'd love to help you plan the trip.";

// One real proof (~1-2 s), then every tampering check against it: each costs a verification (~50 ms) at most.
describe('ZkProver and verifyZkProof', () => {
  const prover = new ZkProver();
  let bundle: ZkProofBundle;

  beforeAll(async () => {
    bundle = await prover.prove(TEXT);
  });
  afterAll(() => prover.close());

  const bump = (decimal: string): string => (BigInt(decimal) + 1n).toString();
  const clone = (): ZkProofBundle => structuredClone(bundle);

  it('proves the score the plain model computes, with timings and the committed model', () => {
    const { manifest } = loadZkArtifacts();
    const [tone, safety] = runMlp(extractFeatures(TEXT), REPLY_SCORE_WEIGHTS).scores;
    expect(bundle).toMatchObject({
      system: 'groth16',
      curve: 'bn128',
      circuit: 'reply_score',
      circuitHash: manifest.circuitHash,
      verificationKeyHash: manifest.verificationKeyHash,
      commitment: manifest.commitment,
      score: { tone: tone / 256, safety: safety / 256 },
    });
    expect(bundle.publicSignals).toHaveLength(PUBLIC_SIGNAL_NAMES.length);
    expect(bundle.publicSignals.at(-1)).toBe(manifest.commitment);
    expect(bundle.provingMs).toBeGreaterThan(0);
    expect(bundle.modelMs).toBeGreaterThanOrEqual(0);
  });

  it('verifies, also after a JSON round trip (as stored by the job and served in the bundle)', async () => {
    await expect(checkZkProof(bundle, TEXT)).resolves.toEqual({ valid: true, score: bundle.score });
    expect(await verifyZkProof(JSON.parse(JSON.stringify(bundle)) as ZkProofBundle, TEXT)).toBe(true);
  });

  it('fails for any other text', async () => {
    expect(await verifyZkProof(bundle, TEXT + ' ')).toBe(true); // same features: whitespace is not a feature
    expect(await verifyZkProof(bundle, TEXT.replace('love', 'hate'))).toBe(false);
    expect(await verifyZkProof(bundle, TEXT.toUpperCase())).toBe(false);
    expect(await verifyZkProof(bundle, '')).toBe(false);
  });

  it.each(PUBLIC_SIGNAL_NAMES.map((name, i) => [name, i] as const))(
    'fails when public signal %s is changed',
    async (_name, i) => {
      const publicSignals = [...bundle.publicSignals];
      publicSignals[i] = bump(publicSignals[i]);
      expect(await verifyZkProof({ proof: bundle.proof, publicSignals }, TEXT)).toBe(false);
    },
  );

  it('relies on Groth16 itself, not only on the recomputed inputs, to bind every public signal', async () => {
    const { verificationKey } = loadZkArtifacts();
    for (const i of PUBLIC_SIGNAL_NAMES.keys()) {
      const publicSignals = [...bundle.publicSignals];
      publicSignals[i] = bump(publicSignals[i]);
      expect(await groth16.verify(verificationKey, publicSignals, bundle.proof)).toBe(false);
    }
    const publicSignals = [...bundle.publicSignals];
    publicSignals[1] = bump(publicSignals[1]);
    await expect(checkZkProof({ proof: bundle.proof, publicSignals }, TEXT)).resolves.toEqual({
      valid: false,
      reason: 'Groth16 verification failed',
    });
  });

  const coordinates: [string, (b: ZkProofBundle) => string[], number][] = [
    ['pi_a.x', (b) => b.proof.pi_a, 0],
    ['pi_a.y', (b) => b.proof.pi_a, 1],
    ['pi_a.z', (b) => b.proof.pi_a, 2],
    ['pi_b.x.c0', (b) => b.proof.pi_b[0], 0],
    ['pi_b.x.c1', (b) => b.proof.pi_b[0], 1],
    ['pi_b.y.c0', (b) => b.proof.pi_b[1], 0],
    ['pi_b.y.c1', (b) => b.proof.pi_b[1], 1],
    ['pi_b.z.c0', (b) => b.proof.pi_b[2], 0],
    ['pi_c.x', (b) => b.proof.pi_c, 0],
    ['pi_c.y', (b) => b.proof.pi_c, 1],
  ];
  it.each(coordinates)('fails when proof coordinate %s is changed', async (_name, pick, index) => {
    const tampered = clone();
    const coordinate = pick(tampered);
    coordinate[index] = bump(coordinate[index]);
    expect(await verifyZkProof(tampered, TEXT)).toBe(false);
  });

  it('fails when the bundle misstates its commitment, circuit, key or score', async () => {
    for (const change of [
      { commitment: bump(bundle.commitment) },
      { circuitHash: '00'.repeat(32) },
      { verificationKeyHash: '00'.repeat(32) },
      { score: { ...bundle.score, safety: bundle.score.safety + 1 } },
    ]) {
      expect(await verifyZkProof({ ...bundle, ...change }, TEXT)).toBe(false);
    }
  });

  it('refuses malformed input without throwing', async () => {
    for (const claim of [
      { proof: null, publicSignals: bundle.publicSignals },
      { proof: bundle.proof, publicSignals: null },
      { proof: bundle.proof, publicSignals: bundle.publicSignals.slice(1) },
      { proof: bundle.proof, publicSignals: bundle.publicSignals.map((s) => `0x${BigInt(s).toString(16)}`) },
      { proof: { ...bundle.proof, pi_a: ['1', '2'] }, publicSignals: bundle.publicSignals },
    ]) {
      expect(await verifyZkProof(claim, TEXT)).toBe(false);
    }
  });

  it('formats calldata for the Solidity verifier', async () => {
    const [pA, pB, pC, pubSignals] = await toSolidityCalldata(bundle);
    expect(pA.map((x) => BigInt(x).toString())).toEqual(bundle.proof.pi_a.slice(0, 2));
    // The precompile takes G2 coordinates as (c1, c0).
    expect(pB[0].map((x) => BigInt(x).toString())).toEqual([
      bundle.proof.pi_b[0][1],
      bundle.proof.pi_b[0][0],
    ]);
    expect(pC.map((x) => BigInt(x).toString())).toEqual(bundle.proof.pi_c.slice(0, 2));
    expect(pubSignals.map((x) => BigInt(x).toString())).toEqual(bundle.publicSignals);

    const data = await encodeVerifyProofCall(bundle);
    const decoded = new Interface(loadVerifierArtifact().abi).decodeFunctionData('verifyProof', data);
    expect(decoded[3].map((x: bigint) => x.toString())).toEqual(bundle.publicSignals);
  });
});
