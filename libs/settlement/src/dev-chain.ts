// Hardhat 2's EDR network in this process, served on loopback: no config file, no banner of private keys. In memory
// only: a restart must redeploy ReceiptAnchor, and roots anchored before it are no longer provable against it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ACCOUNTS } from './dev-accounts';

export const DEV_CHAIN_ID = 31337;
const DEV_ACCOUNT_BALANCE = 10n ** 22n;

export interface DevChainOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface DevChain {
  rpcUrl: string;
  chainId: number;
  /** The funded accounts' private keys; #0 deploys by convention. Public keys: dev only. */
  accounts: string[];
  stop(): Promise<void>;
}

/** Starts an automining chain (chain id 31337, Hardhat's default hardfork) and resolves once it accepts requests. */
export async function startDevChain(options: DevChainOptions = {}): Promise<DevChain> {
  const host = options.host ?? '127.0.0.1';
  // Hardhat's internals are loaded only here, so importing @app/settlement elsewhere does not pay for them (~150 ms).
  const [{ createHardhatNetworkProvider }, { JsonRpcHandler }, { defaultHardhatNetworkParams }] =
    await Promise.all([
      import('hardhat/internal/hardhat-network/provider/provider'),
      import('hardhat/internal/hardhat-network/jsonrpc/handler'),
      import('hardhat/internal/core/config/default-config'),
    ]);

  const provider = await createHardhatNetworkProvider(
    {
      hardfork: defaultHardhatNetworkParams.hardfork,
      chainId: DEV_CHAIN_ID,
      networkId: DEV_CHAIN_ID,
      blockGasLimit: defaultHardhatNetworkParams.blockGasLimit,
      minGasPrice: 0n,
      automine: true,
      intervalMining: 0,
      mempoolOrder: 'priority',
      chains: defaultHardhatNetworkParams.chains,
      genesisAccounts: DEV_ACCOUNTS.map((account) => ({
        privateKey: account.privateKey,
        balance: DEV_ACCOUNT_BALANCE.toString(),
      })),
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: true,
      throwOnCallFailures: true,
      allowBlocksWithSameTimestamp: false,
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
  );

  // Our own server around Hardhat's handler (not its JsonRpcServer), so stop() drops keep-alive connections at once.
  const handler = new JsonRpcHandler(provider);
  const server = createServer((request, response) => void handler.handleHttp(request, response));
  const address = await listen(server, options.port ?? 0, host);

  let stopped: Promise<void> | undefined;
  return {
    rpcUrl: `http://${formatHost(address.address)}:${address.port}`,
    chainId: DEV_CHAIN_ID,
    accounts: DEV_ACCOUNTS.map((account) => account.privateKey),
    stop: () => (stopped ??= close(server)),
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
