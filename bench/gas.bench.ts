// `npm run build && node dist/bench/gas.bench.js [--anchors 200] [--ethers 50]`: what anchoring costs on the
// in-process dev chain. Gas per receipt at batch sizes 1, 100 and 10,000 (one anchor transaction carries a
// whole batch), the Merkle work per batch, and anchoring latency sent and confirmed by AnchorClient, next to
// plain ethers (Contract call + tx.wait(), which polls). Figures, not verdicts: nothing here fails.
import {
  AnchorClient,
  buildBatchTree,
  RECEIPT_ANCHOR_ABI,
  startDevChain,
  verifyInclusion,
} from '@app/settlement';
import { Contract, id, JsonRpcProvider, Wallet, type ContractTransactionResponse } from 'ethers';
import { LatencyHistogram, printTable } from '../load/histogram';

const args = new Map(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] ?? '']] : [])),
);
const ANCHORS = Number(args.get('anchors') ?? 200);
const ETHERS_ANCHORS = Number(args.get('ethers') ?? 50);
const BATCH_SIZES = [1, 100, 10_000];
// What the worker writes: a pointer to where the batch's tree can be fetched.
const uriFor = (batchId: number) =>
  `twinproof:batch:6f1c2a9e-0b7d-4f57-9a51-${String(batchId).padStart(12, '0')}`;

let nextBatchId = 1;

async function benchGas(client: AnchorClient): Promise<void> {
  const rows: Record<string, Record<string, string>> = {};
  const warmUp = buildBatchTree([id('warm-up a'), id('warm-up b')]);
  verifyInclusion(warmUp.root, id('warm-up a'), warmUp.proofFor(id('warm-up a')).proof);
  for (const size of BATCH_SIZES) {
    const digests = Array.from({ length: size }, (_, i) => id(`gas bench ${size} ${i}`));
    let started = performance.now();
    const tree = buildBatchTree(digests);
    const buildMs = performance.now() - started;
    started = performance.now();
    const proofs = digests.map((digest) => tree.proofFor(digest));
    const proofsMs = performance.now() - started;
    const longest = Math.max(...proofs.map(({ proof }) => proof.length));
    started = performance.now();
    const VERIFICATIONS = 200;
    for (let i = 0; i < VERIFICATIONS; i++) {
      const { leafIndex, proof } = proofs[(i * 7919) % size];
      verifyInclusion(tree.root, digests[leafIndex], proof);
    }
    const verifyMs = (performance.now() - started) / VERIFICATIONS;

    const batchId = nextBatchId++;
    const anchored = await client.anchor(batchId, tree.root, size, uriFor(batchId));
    rows[`batch of ${size}`] = {
      'gas / anchor': String(anchored.gasUsed),
      'gas / receipt': (anchored.gasUsed / size).toFixed(size >= 10_000 ? 2 : 0),
      'tree build ms': buildMs.toFixed(1),
      'all proofs ms': proofsMs.toFixed(1),
      'verify ms / proof': verifyMs.toFixed(3),
      'proof hashes': String(longest),
      'proof bytes': String(longest * 32),
    };
  }
  printTable(`Gas and Merkle work per batch (uri of ${uriFor(0).length} characters)`, rows);
}

async function benchLatency(client: AnchorClient, rpcUrl: string, privateKey: string): Promise<void> {
  const direct = new LatencyHistogram();
  for (let i = 0; i < 10; i++) await client.anchor(nextBatchId++, id(`warm-up ${i}`), 100, uriFor(0)); // JIT, sockets
  for (let i = 0; i < ANCHORS; i++) {
    const batchId = nextBatchId++;
    const started = performance.now();
    await client.anchor(batchId, id(`latency ${batchId}`), 100, uriFor(batchId));
    direct.record(performance.now() - started);
  }

  // The same transaction the way ethers does it by default: Contract call, then tx.wait(), which polls for the
  // receipt (every 4 s over HTTP). Only ethers' 250 ms request cache is off: with it, the second send within
  // 250 ms reuses the first one's nonce and fails.
  const viaEthers = new LatencyHistogram();
  const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1 });
  const contract = new Contract(client.contractAddress, RECEIPT_ANCHOR_ABI, new Wallet(privateKey, provider));
  const anchorFn = contract.getFunction('anchor');
  for (let i = 0; i < ETHERS_ANCHORS; i++) {
    const batchId = nextBatchId++;
    const started = performance.now();
    const tx = (await anchorFn(
      batchId,
      id(`ethers ${batchId}`),
      100,
      uriFor(batchId),
    )) as ContractTransactionResponse;
    await tx.wait();
    viaEthers.record(performance.now() - started);
  }
  provider.destroy();

  printTable('Anchoring latency, sent and confirmed (ms)', {
    'AnchorClient (receipt read directly)': direct.row(),
    'ethers Contract + tx.wait()': viaEthers.row(),
  });
}

async function main(): Promise<void> {
  let started = performance.now();
  const chain = await startDevChain();
  const startMs = performance.now() - started;
  started = performance.now();
  const client = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.accounts[0] });
  const deployMs = performance.now() - started;
  printTable('Dev chain', {
    'in-process EDR': {
      'start ms': startMs.toFixed(0),
      'deploy ms': deployMs.toFixed(0),
      'deploy gas': String(client.deployment?.gasUsed ?? '?'),
    },
  });
  try {
    await benchGas(client);
    // Account #1 for the ethers run, so its nonces never meet the client's.
    await client.setAnchorer(new Wallet(chain.accounts[1]).address, true);
    await benchLatency(client, chain.rpcUrl, chain.accounts[1]);
  } finally {
    client.close();
    await chain.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
