import { Contract, id, JsonRpcProvider, Wallet, ZeroHash } from 'ethers';
import { AnchorClient } from './anchor-client';
import { DEV_ACCOUNTS } from './dev-accounts';
import { DevChain, startDevChain } from './dev-chain';
import { RECEIPT_ANCHOR_ABI } from './receipt-anchor.abi';
import {
  AnchorRevertedError,
  BatchConflictError,
  ChainUnreachableError,
  ConfirmationTimeoutError,
  ContractNotDeployedError,
  InvalidAnchorInputError,
} from './settlement.errors';

// Each test anchors fresh roots and batch ids, so the tests do not depend on one another's order.
let sequence = 0;
const nextBatch = () => ({ batchId: ++sequence, root: id(`batch root ${sequence}`) });

describe('AnchorClient against a dev chain', () => {
  let chain: DevChain;
  let client: AnchorClient;
  let provider: JsonRpcProvider;
  let contract: Contract;

  beforeAll(async () => {
    chain = await startDevChain({ port: 0 });
    client = await AnchorClient.deploy({ rpcUrl: chain.rpcUrl, privateKey: chain.accounts[0] });
    // An independent view of the chain, through plain ethers rather than the client under test.
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    contract = new Contract(
      client.contractAddress,
      RECEIPT_ANCHOR_ABI,
      new Wallet(chain.accounts[0], provider),
    );
  });

  afterAll(async () => {
    client?.close();
    provider?.destroy();
    await chain?.stop();
  });

  it('deploys to the well-known first address of a fresh chain, owned by the deployer', async () => {
    expect(client.contractAddress).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(client.deployment?.blockNumber).toBe(1);
    expect(await client.isDeployed()).toBe(true);
    expect(await client.chainId()).toBe(31337);
    expect(await contract.owner()).toBe(DEV_ACCOUNTS[0].address);
  });

  it('anchors a root: the chain then names the block it was anchored in', async () => {
    const { batchId, root } = nextBatch();
    expect(await client.anchoredAt(root)).toBe(0);

    const result = await client.anchor(batchId, root, 100, 'twinproof:batch:1');

    expect(result).toMatchObject({
      batchId,
      root,
      count: 100,
      uri: 'twinproof:batch:1',
      alreadyAnchored: false,
    });
    expect(result.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.gasUsed).toBeGreaterThan(21_000);
    expect(result.gasUsed).toBeLessThan(80_000);
    expect(await client.anchoredAt(root)).toBe(result.blockNumber);
    expect(await contract.anchoredAt(root)).toBe(BigInt(result.blockNumber));
    expect(await client.batchRoot(batchId)).toBe(root);
    expect(await client.findAnchor(root)).toEqual({
      batchId,
      root,
      count: 100,
      uri: 'twinproof:batch:1',
      txHash: result.txHash,
      blockNumber: result.blockNumber,
    });
  });

  it('anchors the same root again as a no-op that returns the first anchoring', async () => {
    const { batchId, root } = nextBatch();
    const first = await client.anchor(batchId, root, 3, 'uri');
    const head = await provider.getBlockNumber();

    const again = await client.anchor(batchId, root, 3, 'uri');

    expect(again).toEqual({ ...first, alreadyAnchored: true });
    expect(await provider.getBlockNumber()).toBe(head); // nothing was sent
  });

  it('leaves the contract itself refusing a second anchoring of a root or a batch id', async () => {
    const { batchId, root } = nextBatch();
    const { blockNumber } = await client.anchor(batchId, root, 1, '');
    const head = await provider.getBlockNumber();

    // A transaction that skips simulation (fixed gas) is mined and reverts; nothing changes on chain. (Hardhat
    // answers eth_sendRawTransaction with the revert, naming the mined transaction.)
    const sent = contract.anchor(batchId + 1000, root, 1, '', { gasLimit: 200_000 });
    const failure = (await sent.then(
      () => null,
      (reason: unknown) => reason,
    )) as { error?: { data?: { txHash?: string; data?: string } } } | null;
    const reverted = failure?.error?.data;
    expect(await provider.getBlockNumber()).toBe(head + 1);
    expect((await provider.getTransactionReceipt(reverted?.txHash ?? ''))?.status).toBe(0);
    expect(contract.interface.parseError(reverted?.data ?? '0x')?.name).toBe('RootAlreadyAnchored');
    expect(await contract.batchRoot(batchId + 1000)).toBe(ZeroHash);
    expect(await contract.anchoredAt(root)).toBe(BigInt(blockNumber));

    // Simulated calls show each refusal with the contract's own error.
    await expect(contract.anchor.staticCall(batchId + 1000, root, 1, '')).rejects.toMatchObject({
      code: 'CALL_EXCEPTION',
      revert: { name: 'RootAlreadyAnchored', args: [root, BigInt(blockNumber)] },
    });
    await expect(contract.anchor.staticCall(batchId, id('another root'), 1, '')).rejects.toMatchObject({
      revert: { name: 'BatchAlreadyAnchored', args: [BigInt(batchId), root] },
    });
    await expect(contract.anchor.staticCall(batchId + 2000, ZeroHash, 1, '')).rejects.toMatchObject({
      revert: { name: 'ZeroRoot' },
    });
    await expect(contract.anchor.staticCall(batchId + 2000, id('empty'), 0, '')).rejects.toMatchObject({
      revert: { name: 'EmptyBatch' },
    });
  });

  it('reports a batch id taken by another root as a conflict, not as success', async () => {
    const { batchId, root } = nextBatch();
    await client.anchor(batchId, root, 5, '');
    const rebuilt = id('a different tree for the same batch');

    const attempt = client.anchor(batchId, rebuilt, 6, '');

    await expect(attempt).rejects.toBeInstanceOf(BatchConflictError);
    await expect(attempt).rejects.toMatchObject({ retryable: false, anchoredRoot: root });
    expect(await client.anchoredAt(rebuilt)).toBe(0);
  });

  it('refuses accounts that are neither the owner nor an allowed anchorer, until the owner allows them', async () => {
    const outsider = new AnchorClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.accounts[1],
      contractAddress: client.contractAddress,
    });
    try {
      const { batchId, root } = nextBatch();
      const refused = outsider.anchor(batchId, root, 1, '');
      await expect(refused).rejects.toBeInstanceOf(AnchorRevertedError);
      await expect(refused).rejects.toMatchObject({
        retryable: false,
        reason: `NotAuthorized(${DEV_ACCOUNTS[1].address})`,
      });
      expect(await client.anchoredAt(root)).toBe(0);

      await client.setAnchorer(DEV_ACCOUNTS[1].address, true);
      await expect(outsider.anchor(batchId, root, 1, '')).resolves.toMatchObject({ alreadyAnchored: false });
    } finally {
      outsider.close();
    }
  });

  it('rejects bad input before touching the chain', async () => {
    const { batchId, root } = nextBatch();
    await expect(client.anchor(batchId, ZeroHash, 1, '')).rejects.toBeInstanceOf(InvalidAnchorInputError);
    await expect(client.anchor(batchId, '0x1234', 1, '')).rejects.toBeInstanceOf(InvalidAnchorInputError);
    await expect(client.anchor(batchId, root, 0, '')).rejects.toBeInstanceOf(InvalidAnchorInputError);
    await expect(client.anchor(-1, root, 1, '')).rejects.toBeInstanceOf(InvalidAnchorInputError);
  });

  it('waits for the confirmations asked for, and a retry after a timeout finds the anchor already there', async () => {
    const patient = new AnchorClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.accounts[0],
      contractAddress: client.contractAddress,
      confirmations: 3,
      confirmationTimeoutMs: 300,
    });
    try {
      const { batchId, root } = nextBatch();
      // Nothing else is mined, so the third confirmation never comes.
      await expect(patient.anchor(batchId, root, 1, '')).rejects.toBeInstanceOf(ConfirmationTimeoutError);
      const mined = patient.anchor(batchId, root, 1, '');
      await provider.send('hardhat_mine', ['0x2']);
      await expect(mined).resolves.toMatchObject({ batchId, root, alreadyAnchored: true });
    } finally {
      patient.close();
    }
  });

  it('says so when no contract is at the address, instead of "anchoring" into nothing', async () => {
    const nowhere = new AnchorClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.accounts[0],
      contractAddress: DEV_ACCOUNTS[5].address,
    });
    try {
      const { batchId, root } = nextBatch();
      await expect(nowhere.isDeployed()).resolves.toBe(false);
      await expect(nowhere.anchor(batchId, root, 1, '')).rejects.toBeInstanceOf(ContractNotDeployedError);
      await expect(nowhere.anchoredAt(root)).rejects.toBeInstanceOf(ContractNotDeployedError);
    } finally {
      nowhere.close();
    }
  });

  it('reports a chain that is down as unreachable (retryable), distinct from a revert', async () => {
    const doomed = await startDevChain();
    const stranded = await AnchorClient.deploy({ rpcUrl: doomed.rpcUrl, privateKey: doomed.accounts[0] });
    const fresh = new AnchorClient({
      rpcUrl: doomed.rpcUrl,
      privateKey: doomed.accounts[0],
      contractAddress: stranded.contractAddress,
    });
    await doomed.stop();
    try {
      const { batchId, root } = nextBatch();
      // Both a client that was connected and one that never was.
      for (const target of [stranded, fresh]) {
        const attempt = target.anchor(batchId, root, 1, '');
        await expect(attempt).rejects.toBeInstanceOf(ChainUnreachableError);
        await expect(attempt).rejects.toMatchObject({ code: 'CHAIN_UNREACHABLE', retryable: true });
        await expect(target.anchoredAt(root)).rejects.toBeInstanceOf(ChainUnreachableError);
        await expect(target.chainId()).rejects.toBeInstanceOf(ChainUnreachableError);
      }
    } finally {
      stranded.close();
      fresh.close();
    }
  });
});
