import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findArtifactsDir, loadZkArtifacts, ZK_ARTIFACT_FILES } from './manifest';
import { commitWeights } from './model/commitment';
import { ACC_BITS, FRAC_BITS } from './model/fixed-point';
import { REPLY_SCORE_WEIGHTS } from './model/weights';
import { PUBLIC_SIGNAL_NAMES } from './public-signals';
import { loadVerifierArtifact } from './solidity-calldata';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

// The artifacts are committed binaries: these tests make any drift between them, the circuit source and the
// TypeScript model fail loudly instead of surfacing as proofs that do not verify.
describe('libs/zk/artifacts', () => {
  const { dir, manifest, verificationKey } = loadZkArtifacts();

  it('holds every artifact with the size and SHA-256 the manifest records', () => {
    expect(Object.keys(manifest.files).sort()).toEqual(Object.values(ZK_ARTIFACT_FILES).sort());
    for (const [name, { sha256: expected, bytes }] of Object.entries(manifest.files)) {
      const content = readFileSync(join(dir, name));
      expect({ name, sha256: sha256(content), bytes: content.length }).toEqual({
        name,
        sha256: expected,
        bytes,
      });
    }
    expect(manifest.verificationKeyHash).toBe(manifest.files[ZK_ARTIFACT_FILES.verificationKey].sha256);
  });

  it('was built from the circuit source in the repository', () => {
    const source = readFileSync(join(dir, '..', 'circuits', 'reply_score.circom'));
    expect(sha256(source)).toBe(manifest.circuitSourceHash);
  });

  it('commits to the weights in weights.ts, with the fixed-point settings in fixed-point.ts', () => {
    expect(manifest.commitment).toBe(commitWeights(REPLY_SCORE_WEIGHTS).toString());
    expect(manifest.fixedPoint).toEqual({ fracBits: FRAC_BITS, accBits: ACC_BITS });
  });

  it('describes the public signals the code decodes, as the verification key counts them', () => {
    expect(manifest.publicSignals).toEqual(PUBLIC_SIGNAL_NAMES);
    expect(verificationKey.nPublic).toBe(PUBLIC_SIGNAL_NAMES.length);
    expect(verificationKey.IC).toHaveLength(PUBLIC_SIGNAL_NAMES.length + 1);
    expect(verificationKey).toMatchObject({ protocol: 'groth16', curve: 'bn128' });
    expect(manifest.constraints).toBeLessThanOrEqual(
      2 ** manifest.ptau.power - PUBLIC_SIGNAL_NAMES.length - 1,
    );
  });

  it('pairs the Solidity verifier artifact with its source', () => {
    const artifact = loadVerifierArtifact();
    const source = readFileSync(join(dir, artifact.sourceName), 'utf8');
    expect(artifact.sourceHash).toBe('0x' + createHash('sha256').update(source, 'utf8').digest('hex'));
    expect(artifact.abi.some((f) => f.name === 'verifyProof')).toBe(true);
    expect(source).toContain(`uint[${PUBLIC_SIGNAL_NAMES.length}] calldata _pubSignals`);
  });

  it('is found from the swc build output as well as from the sources', () => {
    expect(findArtifactsDir(join(dir, '..', '..', '..', 'dist', 'libs', 'zk', 'src'))).toBe(dir);
  });
});
