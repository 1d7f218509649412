import { AppConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { AnchorClient, DEV_CHAIN_ID, isUnreachableError, loadArtifact } from '@app/settlement';
import { keccak256 } from 'ethers';
import { ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LocalChain {
  rpcUrl: string;
  anchorContract: string;
  /** The dev chain process `npm start` started, if it started one. */
  process?: ChildProcess;
}

const CHAIN_START_MS = 30_000;

/**
 * The chain `npm start` anchors on. A configured CHAIN_RPC_URL is used as given. Otherwise a chain already
 * answering on the default URL is reused, and if none does, a dev chain is started as a child process. Either
 * way ReceiptAnchor is deployed when the configured address holds no contract.
 */
export async function ensureLocalChain(
  config: AppConfig,
  devChainScript: string,
  configured: boolean,
): Promise<LocalChain> {
  const { rpcUrl, privateKey, anchorContract } = config.chain;
  const existing = new AnchorClient({ rpcUrl, privateKey, contractAddress: anchorContract });
  try {
    if (await runsReceiptAnchor(existing)) return { rpcUrl, anchorContract };
    const deployed = await AnchorClient.deploy({ rpcUrl, privateKey });
    deployed.close();
    console.log(`Deployed ReceiptAnchor at ${deployed.contractAddress} on ${rpcUrl}`);
    return { rpcUrl, anchorContract: deployed.contractAddress };
  } catch (error) {
    if (configured || !isUnreachableError(error)) throw error;
  } finally {
    existing.close();
  }
  const port = new URL(rpcUrl).port || '8545';
  const child = fork(devChainScript, ['--port', port], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const started = await firstJsonLine<{ rpcUrl: string; anchorContract: string }>(child);
  return { ...started, process: child };
}

/** Starts the dev chain again on the same URL after it died; it deploys ReceiptAnchor at the same address. */
export function restartDevChain(devChainScript: string, rpcUrl: string): ChildProcess {
  const port = new URL(rpcUrl).port || '8545';
  return fork(devChainScript, ['--port', port], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

/** Not just "some code there": another project's contract at the same dev address must not be mistaken for ours. */
async function runsReceiptAnchor(client: AnchorClient): Promise<boolean> {
  if (!(await client.isDeployed())) return false;
  const code = await fetch(client.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'eth_getCode',
      params: [client.contractAddress, 'latest'],
    }),
  }).then(async (response) => ((await response.json()) as { result: string }).result);
  return keccak256(code) === keccak256(loadArtifact('ReceiptAnchor').deployedBytecode);
}

function firstJsonLine<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The dev chain did not start in time.')), CHAIN_START_MS);
    child.once('exit', (code) =>
      reject(new Error(`The dev chain exited (code ${code}) before it was ready.`)),
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
  });
}

/**
 * A dev chain lives in memory, so a restarted one has forgotten every root anchored before. Anchoring those
 * roots again, in batch order, keeps earlier replies' bundles verifiable; their block numbers change and are
 * updated. Runs only against the dev chain (chain id 31337), never a real one.
 */
export async function reanchorOnFreshDevChain(config: AppConfig, chain: LocalChain): Promise<number> {
  const client = new AnchorClient({
    rpcUrl: chain.rpcUrl,
    privateKey: config.chain.privateKey,
    contractAddress: chain.anchorContract,
  });
  const prisma = new PrismaService(config);
  try {
    if ((await client.chainId()) !== DEV_CHAIN_ID) return 0;
    const batches = await prisma.settlementBatch.findMany({
      where: { status: 'anchored', chainId: DEV_CHAIN_ID, root: { not: null } },
      orderBy: { number: 'asc' },
    });
    let replayed = 0;
    for (const batch of batches) {
      const anchored = await client.anchor(
        batch.number,
        batch.root!,
        batch.count,
        `twinproof:batch:${batch.id}`,
      );
      if (anchored.alreadyAnchored && anchored.blockNumber === batch.blockNumber) continue;
      await prisma.settlementBatch.update({
        where: { id: batch.id },
        data: { txHash: anchored.txHash, blockNumber: anchored.blockNumber, contract: chain.anchorContract },
      });
      replayed++;
    }
    return replayed;
  } finally {
    client.close();
    await prisma.$disconnect();
  }
}
