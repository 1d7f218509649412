// The run's dev chain: one in-memory EVM chain in jest's parent process, one ReceiptAnchor on it, and one
// authorized anchoring key per jest worker, so parallel test files never race for the same account's nonces.
import { AnchorClient } from '@app/settlement/anchor-client';
import { DEV_ACCOUNTS } from '@app/settlement/dev-accounts';
import { DevChain, startDevChain } from '@app/settlement/dev-chain';

export interface TestChain {
  chain: DevChain;
  anchorContract: string;
}

export async function startTestChain(workers: number): Promise<TestChain> {
  const chain = await startDevChain({ port: 0 });
  const owner = DEV_ACCOUNTS[0].privateKey;
  const client = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: owner });
  try {
    for (const account of DEV_ACCOUNTS.slice(1, workers + 1)) await client.setAnchorer(account.address, true);
    return { chain, anchorContract: client.contractAddress };
  } finally {
    client.close();
  }
}
