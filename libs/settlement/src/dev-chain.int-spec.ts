import { JsonRpcProvider, Wallet } from 'ethers';
import { DEV_ACCOUNTS } from './dev-accounts';
import { DevChain, startDevChain } from './dev-chain';

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result: unknown }).result;
}

describe('startDevChain', () => {
  let chain: DevChain;
  const written: string[] = [];
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    chain = await startDevChain({ port: 0 });
  });

  afterAll(async () => {
    stdout.mockRestore();
    await chain?.stop();
  });

  it('serves chain 31337 over JSON-RPC on an ephemeral loopback port, printing nothing', async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain.rpcUrl).not.toMatch(/:8545$/);
    expect(chain.chainId).toBe(31337);
    expect(await rpc(chain.rpcUrl, 'eth_chainId')).toBe('0x7a69');
    // No banner of private keys (Hardhat's `node` task prints one).
    expect(written.join('')).toBe('');
  });

  it('funds the default accounts and mines each transaction at once', async () => {
    expect(chain.accounts).toEqual(DEV_ACCOUNTS.map((account) => account.privateKey));
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      expect(await provider.getBalance(DEV_ACCOUNTS[9].address)).toBe(10n ** 22n);
      const sender = new Wallet(chain.accounts[9], provider);
      const before = await provider.getBlockNumber();
      const tx = await sender.sendTransaction({ to: DEV_ACCOUNTS[8].address, value: 1n });
      // Automining: the receipt is there as soon as the transaction is accepted.
      const receipt = await provider.getTransactionReceipt(tx.hash);
      expect(receipt?.blockNumber).toBe(before + 1);
    } finally {
      provider.destroy();
    }
  });

  it('runs independent chains side by side, each forgetting everything when it stops', async () => {
    const other = await startDevChain();
    try {
      expect(other.rpcUrl).not.toBe(chain.rpcUrl);
      expect(await rpc(other.rpcUrl, 'eth_blockNumber')).toBe('0x0');
    } finally {
      await other.stop();
    }
    await expect(rpc(other.rpcUrl, 'eth_blockNumber')).rejects.toThrow();
    await other.stop();
  });
});
