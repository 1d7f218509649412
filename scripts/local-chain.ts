import { AppConfig } from '@app/config';
import { AnchorClient, expectedAnchorCodeHash, isUnreachableError, redactRpcUrl } from '@app/settlement';
import { ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LocalChain {
  rpcUrl: string;
  anchorContract: string;
  process?: ChildProcess;
}

const CHAIN_START_MS = 30_000;

/** npm start's banner line: the private RPC URL may carry a provider key, so only where the chain is. */
export function describeChain(chain: LocalChain): string {
  const dev = chain.process ? ' (in-memory dev chain)' : '';
  return `${redactRpcUrl(chain.rpcUrl)}, ReceiptAnchor ${chain.anchorContract}${dev}`;
}

/**
 * A configured CHAIN_RPC_URL as given; else a chain already answering on the default URL; else a dev chain as a
 * child process. ReceiptAnchor is deployed when the configured address holds no contract.
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
    console.log(`Deployed ReceiptAnchor at ${deployed.contractAddress} on ${redactRpcUrl(rpcUrl)}`);
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
  return (await client.identity()).codeHash === expectedAnchorCodeHash();
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
