import { groth16, type Groth16Proof } from 'snarkjs';
import { ensureCurve } from './curve';
import { loadZkArtifacts, type ZkManifest } from './manifest';
import { extractFeatures } from './model/features';
import { SCORE_NAMES } from './model/weights';
import { decodePublicSignals, toReplyScores, type DecodedPublicSignals } from './public-signals';
import type { ReplyScores, ZkProofBundle } from './zk-bundle';

/** Typed loosely: it comes from outside; other bundle fields present must match the manifest. */
export type ZkProofClaim = { proof: unknown; publicSignals: unknown } & {
  [K in Exclude<keyof ZkProofBundle, 'proof' | 'publicSignals'>]?: unknown;
};

export type ZkVerification = { valid: true; score: ReplyScores } | { valid: false; reason: string };

export interface ZkVerifyOptions {
  artifactsDir?: string;
}

/** Against the committed key, model and this text (features recomputed from `text`); never throws, says why not. */
export async function checkZkProof(
  claim: ZkProofClaim,
  text: string,
  options: ZkVerifyOptions = {},
): Promise<ZkVerification> {
  const { manifest, verificationKey } = loadZkArtifacts(options.artifactsDir);
  let signals: DecodedPublicSignals;
  try {
    signals = decodePublicSignals(claim.publicSignals);
  } catch (error) {
    return { valid: false, reason: `malformed public signals: ${(error as Error).message}` };
  }
  if (!isCanonicalProof(claim.proof)) return { valid: false, reason: 'malformed proof' };
  if (signals.commitment.toString() !== manifest.commitment) {
    return { valid: false, reason: 'the proof is for other weights than the committed model' };
  }
  const features = extractFeatures(text);
  if (features.some((f, i) => f !== signals.features[i])) {
    return { valid: false, reason: 'the proof is for other text: its public features differ' };
  }
  const score = toReplyScores(signals.scores);
  const mismatch = claimMismatch(claim, manifest, score);
  if (mismatch) return { valid: false, reason: `the bundle's ${mismatch} does not match` };

  await ensureCurve();
  const publicSignals = claim.publicSignals as string[];
  const ok = await groth16.verify(verificationKey, publicSignals, claim.proof).catch(() => false);
  return ok ? { valid: true, score } : { valid: false, reason: 'Groth16 verification failed' };
}

export async function verifyZkProof(
  claim: ZkProofClaim,
  text: string,
  options: ZkVerifyOptions = {},
): Promise<boolean> {
  return (await checkZkProof(claim, text, options)).valid;
}

function claimMismatch(claim: ZkProofClaim, manifest: ZkManifest, score: ReplyScores): string | undefined {
  const expected = {
    system: 'groth16',
    curve: 'bn128',
    circuit: manifest.circuit,
    circuitHash: manifest.circuitHash,
    verificationKeyHash: manifest.verificationKeyHash,
    commitment: manifest.commitment,
  } as const;
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    if (claim[key] !== undefined && claim[key] !== expected[key]) return key;
  }
  if (claim.score !== undefined && !sameScore(claim.score, score)) return 'score';
  return undefined;
}

function sameScore(given: unknown, score: ReplyScores): boolean {
  if (typeof given !== 'object' || given === null) return false;
  const entries = Object.entries(given);
  return (
    entries.length === SCORE_NAMES.length && entries.every(([k, v]) => score[k as keyof ReplyScores] === v)
  );
}

const isDecimal = (x: unknown): x is string => typeof x === 'string' && /^(0|[1-9]\d*)$/.test(x);
const isPair = (x: unknown): boolean => Array.isArray(x) && x.length === 2 && x.every(isDecimal);
const isG1 = (p: unknown): boolean =>
  Array.isArray(p) && p.length === 3 && isDecimal(p[0]) && isDecimal(p[1]) && p[2] === '1';
const isG2 = (p: unknown): boolean =>
  Array.isArray(p) && p.length === 3 && isPair(p[0]) && isPair(p[1]) && JSON.stringify(p[2]) === '["1","0"]';

/** Affine points as snarkjs writes them: anything else is refused rather than reinterpreted. */
function isCanonicalProof(proof: unknown): proof is Groth16Proof {
  if (typeof proof !== 'object' || proof === null) return false;
  const p = proof as Partial<Record<keyof Groth16Proof, unknown>>;
  return (
    isG1(p.pi_a) &&
    isG2(p.pi_b) &&
    isG1(p.pi_c) &&
    (p.protocol === undefined || p.protocol === 'groth16') &&
    (p.curve === undefined || p.curve === 'bn128')
  );
}
