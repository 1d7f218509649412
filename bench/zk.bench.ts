import { checkZkProof, runMlp, extractFeatures, REPLY_SCORE_WEIGHTS, ZkProver } from '@app/zk';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram, printTable } from '../load/histogram';

// `npm run build && node dist/bench/zk.bench.js [--proofs 30] [--warmup 2]`: Groth16 proving and verification
// of the reply scorer, next to the same model run without a proof. Proofs run one after another, as the single
// `zk` worker does. Not a test: figures, not verdicts.
const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const PROOFS = Number(args.get('proofs') ?? 30);
const WARMUP = Number(args.get('warmup') ?? 2);

const REPLIES = [
  "Thanks for asking! I'd love to help you plan the trip.",
  'SHUT UP, you STUPID idiot!!! Who asked you?',
  'The train leaves at 9:40 from platform 3 and takes about two hours.',
  'Honestly that is a terrible idea and it will fail. Why would you even try?',
  'Great question! Here is what I would do: start small, measure, and keep what works.',
];

async function main(): Promise<void> {
  const prover = new ZkProver();
  const proving = new LatencyHistogram();
  const verifying = new LatencyHistogram();
  const model = new LatencyHistogram();
  try {
    for (let i = 0; i < WARMUP + PROOFS; i++) {
      const text = REPLIES[i % REPLIES.length] + ` (${i})`;
      const modelStart = performance.now();
      runMlp(extractFeatures(text), REPLY_SCORE_WEIGHTS);
      const modelMs = performance.now() - modelStart;

      const provingStart = performance.now();
      const bundle = await prover.prove(text);
      const provingMs = performance.now() - provingStart;

      const verifyStart = performance.now();
      const result = await checkZkProof(bundle, text);
      const verifyMs = performance.now() - verifyStart;
      if (!result.valid) throw new Error(`proof ${i} did not verify: ${result.reason}`);

      if (i < WARMUP) continue;
      model.record(modelMs);
      proving.record(provingMs);
      verifying.record(verifyMs);
    }
  } finally {
    await prover.close();
  }
  printTable(`reply_score Groth16, ${PROOFS} proofs after ${WARMUP} warm-up (ms)`, {
    'model (features + MLP, no proof)': model.row(),
    'prove (witness + Groth16)': proving.row(),
    'verify (checks + Groth16)': verifying.row(),
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
