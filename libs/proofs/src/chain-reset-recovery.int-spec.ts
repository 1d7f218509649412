import {
  AnchorClient,
  ChainConnection,
  ContractNotDeployedError,
  DevChain,
  startDevChain,
  WrongChainError,
} from '@app/settlement';
import type { AnchorClientProvider } from './anchor-client.provider';
import type { AnchoredBatchesRepository } from './anchored-batches.repository';
import { ChainResetRecovery } from './chain-reset-recovery.service';

// Init code of a tiny contract whose runtime code returns 42: code at an address, but not ReceiptAnchor's.
const FOREIGN_INIT_CODE = '0x600a600c600039600a6000f3602a60005260206000f3';

describe('ChainResetRecovery refuses a chain it must not anchor on', () => {
  let chain: DevChain;
  let owner: string;
  const clients: AnchorClient[] = [];
  // Nothing recorded: these tests are about the identity checks that come first.
  const batches = { latest: async () => null, all: async () => [] } as unknown as AnchoredBatchesRepository;

  function recoveryFor(contractAddress: string): ChainResetRecovery {
    const client = new AnchorClient({ rpcUrl: chain.rpcUrl, privateKey: owner, contractAddress });
    clients.push(client);
    return new ChainResetRecovery({ get: () => client } as unknown as AnchorClientProvider, batches);
  }

  beforeAll(async () => {
    chain = await startDevChain({ port: 0 });
    owner = chain.accounts[0];
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await chain?.stop();
  });

  it('accepts ReceiptAnchor', async () => {
    const deployed = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: owner });
    deployed.close();
    await expect(recoveryFor(deployed.contractAddress).ensureAnchorsKept()).resolves.toBe(0);
  });

  it('refuses an address with no code', async () => {
    await expect(
      recoveryFor('0x000000000000000000000000000000000000dEaD').ensureAnchorsKept(),
    ).rejects.toBeInstanceOf(ContractNotDeployedError);
  });

  it('refuses an address holding another contract', async () => {
    const connection = new ChainConnection({ rpcUrl: chain.rpcUrl, privateKey: owner });
    const receipt = await connection.send({ data: FOREIGN_INIT_CODE });
    connection.close();
    await expect(recoveryFor(receipt.contractAddress!).ensureAnchorsKept()).rejects.toBeInstanceOf(
      WrongChainError,
    );
  });
});
