// A published manifest's digest is anchored on chain in the same Merkle batch as receipts (docs/hub.md): the hub's
// history can be checked against the chain like a reply's receipt, with the proof GET .../versions gives.
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { signManifest, type HubManifest } from '@app/hub/manifest/manifest';
import { ChainReader } from '@app/receipts';
import { verifyInclusion } from '@app/settlement';
import { Wallet } from 'ethers';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

const overrides = { BATCH_MAX_AGE_MS: '300', RECONCILE_INTERVAL_MS: '1000' };

interface Anchor {
  root: string;
  leafIndex: number;
  proof: string[];
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
}

jest.setTimeout(60_000);

describe('hub manifests anchored with the receipts (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let chain: ChainReader;
  let consumer: TestUser;
  let personaSlug: string;

  beforeAll(async () => {
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    chain = new ChainReader(AppConfig.fromProcessEnv().chain.rpcUrl);
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    ({ slug: personaSlug } = await createPersona(api.url, creator, {
      name: 'Quill',
      personality: 'precise',
      verification: 'attested',
    }));
  });

  afterAll(async () => {
    chain?.close();
    await worker?.close();
    await api?.close();
  });

  const replies: string[] = [];
  /** One reply, so a batch with receipts closes and takes the pending manifests along. */
  const chat = async (): Promise<void> => {
    const reply = await request(api.url)
      .post('/v1/chat/completions')
      .set(consumer.auth)
      .send({ model: personaSlug, messages: [{ role: 'user', content: 'Hello there' }] })
      .expect(200);
    replies.push((reply.body as { inference_id: string }).inference_id);
  };

  it('puts a published manifest digest under an anchored root, with a proof anyone can check on chain', async () => {
    const publisher = await signUp(api.url, 'creator');
    const wallet = new Wallet(Wallet.createRandom().privateKey);
    const bytes = randomBytes(32);
    const slug = `anchored-${randomBytes(4).toString('hex')}`;
    const manifest: HubManifest = {
      slug,
      name: `Anchored ${slug}`,
      version: 1,
      task: 'image classification',
      domain: 'vision',
      description: 'A model whose manifest is anchored.',
      license: 'MIT',
      datasets: [],
      metrics: {},
      inputs: [],
      outputs: [],
      precision: 'fp32',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      derivedFrom: '',
      derivation: '',
      tags: [],
      familyId: '',
      publisher: wallet.address,
    };
    const published = await request(api.url)
      .post('/v1/hub/models')
      .set(publisher.auth)
      .send({ manifest, signature: await signManifest(wallet, manifest) })
      .expect(201);
    const digest = (published.body as { manifestDigest: string }).manifestDigest;

    let anchor: Anchor | null = null;
    await waitFor(
      async () => {
        const versions = (await request(api.url).get(`/v1/hub/models/${slug}/versions`).expect(200)).body as {
          data: { anchor: Anchor | null }[];
        };
        anchor = versions.data[0].anchor;
        // Batches close with receipts: a reply now and then, until one takes this manifest.
        if (!anchor) await chat();
        return anchor !== null;
      },
      'the manifest digest to be anchored',
      45_000,
      500,
    );
    const anchored = anchor as unknown as Anchor;
    expect(verifyInclusion(anchored.root, digest, anchored.proof)).toBe(true);
    // Another digest is not under that root with that proof.
    expect(verifyInclusion(anchored.root, `0x${'ab'.repeat(32)}`, anchored.proof)).toBe(false);
    // On chain: the root is ReceiptAnchor's, in that block, and the leaf index is inside the batch's count.
    expect(await chain.checkAnchor(anchored)).toMatchObject({ status: 'pass' });

    // The receipts under the same root still verify on chain: the batch's count covers every leaf.
    const sameBatch: { root: string }[] = [];
    for (const id of replies) {
      const inference = (await request(api.url).get(`/v1/inferences/${id}`).set(consumer.auth).expect(200))
        .body as { batch?: Anchor | null };
      if (inference.batch?.root === anchored.root) {
        sameBatch.push(inference.batch);
        expect(await chain.checkAnchor(inference.batch)).toMatchObject({ status: 'pass' });
      }
    }
    expect(sameBatch.length).toBeGreaterThan(0);
  });
});
