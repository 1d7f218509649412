// A dev chain lives in memory: restarted, it forgets every root anchored on it. The worker must notice (a new
// genesis block) and anchor the recorded roots again, so earlier replies keep verifying. This file has its own
// database, Redis prefix and chain, which it restarts; nothing else in the run shares them.
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AnchorClient, AnchorReader, DEV_ACCOUNTS, DevChain, startDevChain } from '@app/settlement';
import { connectChat, createTestDatabase, dropTestDatabase, startReply, TestDatabase } from '@app/testing';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

jest.setTimeout(90_000);

interface BatchView {
  root: string;
  txHash: string;
  blockNumber: number;
}

async function genesisHash(rpcUrl: string): Promise<string> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x0', false] }),
  });
  return ((await response.json()) as { result: { hash: string } }).result.hash;
}

async function deployAnchor(rpcUrl: string): Promise<string> {
  const deployer = await AnchorClient.deploy({ rpcUrl, privateKey: DEV_ACCOUNTS[0].privateKey });
  deployer.close();
  return deployer.contractAddress;
}

describe('a dev chain restart (e2e)', () => {
  let database: TestDatabase;
  let chain: DevChain;
  let port: number;
  let anchorContract: string;
  let env: Record<string, string>;
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let consumer: TestUser;
  let personaId: string;
  let socket: Socket;

  beforeAll(async () => {
    [database, chain] = await Promise.all([createTestDatabase(), startDevChain({ port: 0 })]);
    port = Number(new URL(chain.rpcUrl).port);
    anchorContract = await deployAnchor(chain.rpcUrl);
    env = {
      DATABASE_URL: database.url,
      REDIS_PREFIX: `chain_restart_${randomBytes(4).toString('hex')}`,
      CHAIN_RPC_URL: chain.rpcUrl,
      CHAIN_PUBLIC_RPC_URL: chain.rpcUrl,
      ANCHOR_CONTRACT: anchorContract,
      CHAIN_PRIVATE_KEY: DEV_ACCOUNTS[0].privateKey,
      BATCH_MAX_AGE_MS: '200',
      RECONCILE_INTERVAL_MS: '300',
      LOG_LEVEL: 'error',
    };
    api = await startApi(env);
    worker = await createWorker(AppConfig.fromProcessEnv(env));
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    personaId = (await createPersona(api.url, creator, { name: 'Tern', verification: 'attested' })).id;
    socket = await connectChat(api.url, consumer.apiKey);
  }, 60_000);

  afterAll(async () => {
    socket?.disconnect();
    await worker?.close();
    await api?.close();
    await chain?.stop();
    if (database) await dropTestDatabase(database.name);
  });

  /** One reply, waited for until its receipt is anchored; returns its inference id. */
  async function anchoredReply(): Promise<string> {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const started = await startReply(socket, conversation.body.id, 'Where do terns spend the winter?');
    const inferenceId = (await started.reply).done!.inferenceId;
    await waitFor(
      async () => (await view(inferenceId)).status === 'anchored',
      `${inferenceId} anchored`,
      30_000,
    );
    return inferenceId;
  }

  async function view(inferenceId: string): Promise<{ status: string; batch?: BatchView }> {
    return (await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200)).body;
  }

  /** Where the chain at the test's URL says the root is anchored (0: it is not). */
  async function anchoredAt(root: string): Promise<number> {
    const reader = new AnchorReader({ rpcUrl: chain.rpcUrl, contractAddress: anchorContract });
    try {
      return await reader.anchoredAt(root);
    } finally {
      reader.close();
    }
  }

  /** Stops the chain and starts an empty one on the same port, ReceiptAnchor redeployed at the same address. */
  async function restartChain(): Promise<void> {
    const before = await genesisHash(chain.rpcUrl);
    await chain.stop();
    chain = await startDevChain({ port });
    // Two starts in the same second make the same genesis block; a real restart never looks like that.
    while ((await genesisHash(chain.rpcUrl)) === before) {
      await chain.stop();
      chain = await startDevChain({ port });
    }
    expect(await deployAnchor(chain.rpcUrl)).toBe(anchorContract);
  }

  it('gets the roots anchored before it back on chain, with their new blocks recorded', async () => {
    const earlier = await anchoredReply();
    const before = (await view(earlier)).batch!;
    expect(await anchoredAt(before.root)).toBe(before.blockNumber);

    await restartChain();
    // What the restart did: the platform still reports the root anchored, the chain no longer has it.
    expect(await anchoredAt(before.root)).toBe(0);

    // The worker notices without waiting for a new reply.
    await waitFor(
      async () => (await anchoredAt(before.root)) !== 0,
      'the earlier root anchored again',
      30_000,
    );
    await waitFor(
      async () => (await view(earlier)).batch!.blockNumber === (await anchoredAt(before.root)),
      'the new block recorded',
    );
    const after = (await view(earlier)).batch!;
    expect(after.root).toBe(before.root);
    const receipt = await fetch(chain.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_getTransactionReceipt',
        params: [after.txHash],
      }),
    }).then(
      async (response) => ((await response.json()) as { result: { blockNumber: string } | null }).result,
    );
    expect(Number(receipt?.blockNumber)).toBe(after.blockNumber);

    // And anchoring goes on: a reply after the restart is anchored too, the earlier root still there.
    const later = await anchoredReply();
    expect(await anchoredAt((await view(later)).batch!.root)).toBeGreaterThan(0);
    expect(await anchoredAt(before.root)).toBe(after.blockNumber);
  });
});
