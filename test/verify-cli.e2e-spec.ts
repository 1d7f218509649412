import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import {
  commitInput,
  commitText,
  type ProofBundle,
  type Receipt,
  RECEIPT_DOMAINS,
  receiptDigest,
  receiptTypes,
  signReceipt,
} from '@app/receipts';
import { Wallet } from 'ethers';
import { connectChat, startReply, watchProofUpdates } from '@app/testing';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { runVerify } from '../scripts/verify-cli';
import { freePort } from './support/isolated-services';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';

/** `npm run verify` as its users run it: argv in, exit code and printed lines out, against a real api and chain. */
describe('npm run verify (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let consumer: TestUser;
  let stranger: TestUser;
  let socket: Socket;
  let dir: string;
  const replies: Record<'attested' | 'zk', { inferenceId: string; conversationId: string }> = {
    attested: { inferenceId: '', conversationId: '' },
    zk: { inferenceId: '', conversationId: '' },
  };
  const overrides = { BATCH_MAX_AGE_MS: '300', RECONCILE_INTERVAL_MS: '1000' };

  async function verify(args: string[], config = AppConfig.fromProcessEnv({ PUBLIC_URL: api.url })) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerify(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, config);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  beforeAll(async () => {
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    stranger = await signUp(api.url, 'consumer');
    socket = await connectChat(api.url, consumer.apiKey);
    const updates = watchProofUpdates(socket);
    for (const verification of ['attested', 'zk'] as const) {
      const persona = await createPersona(api.url, creator, {
        name: `Cli ${verification}`,
        personality: 'plain',
        firstMessage: 'Hi! Ask me anything.',
        verification,
      });
      const conversation = await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId: persona.id })
        .expect(201);
      const started = await startReply(socket, conversation.body.id as string, 'Thanks, that was kind!');
      const done = (await started.reply).done!;
      replies[verification] = {
        inferenceId: done.inferenceId,
        conversationId: conversation.body.id as string,
      };
      await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
      if (verification === 'zk')
        await updates.until((u) => u.inferenceId === done.inferenceId && u.zk !== undefined, 30_000);
    }
    dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
  }, 90_000);

  // The worker drains its running jobs before it closes: a zk proof on a loaded machine can take a while.
  afterAll(async () => {
    socket?.disconnect();
    await worker?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('exits 0 when every check passes, also with --strict', async () => {
    const result = await verify([replies.zk.inferenceId, '--key', consumer.apiKey, '--strict']);
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('VERIFIED: every check passed.') });
  });

  it('exits 0 with checks skipped, and 1 for the same reply with --strict', async () => {
    const args = [replies.attested.inferenceId, '--key', consumer.apiKey];
    const lenient = await verify(args);
    expect(lenient).toMatchObject({ code: 0, out: expect.stringContaining('– zk-proof') });
    expect((await verify([...args, '--strict'])).code).toBe(1);
  });

  it('prints the checks as JSON with --json', async () => {
    const result = await verify([replies.attested.inferenceId, '--key', consumer.apiKey, '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as {
      ok: boolean;
      complete: boolean;
      checks: { check: string; status: string }[];
    };
    expect(parsed).toMatchObject({ ok: true, complete: false });
    expect(parsed.checks.map((c) => `${c.check}:${c.status}`)).toEqual([
      'receipt-digest:pass',
      'signature:pass',
      'attestation:pass',
      'output-hash:pass',
      'input-hash:pass',
      'prefix-hash:pass',
      'merkle-inclusion:pass',
      'anchored-on-chain:pass',
      'zk-proof:skip',
    ]);
  });

  it('with --contract, accepts only the pinned ReceiptAnchor', async () => {
    const bundle = (
      await request(api.url)
        .get(`/v1/inferences/${replies.attested.inferenceId}/bundle`)
        .set(consumer.auth)
        .expect(200)
    ).body as ProofBundle;
    const args = [replies.attested.inferenceId, '--key', consumer.apiKey];
    expect((await verify([...args, '--contract', bundle.batch!.contract])).code).toBe(0);
    const other = await verify([...args, '--contract', `0x${'42'.repeat(20)}`]);
    expect(other).toMatchObject({
      code: 1,
      out: expect.stringMatching(/✗ anchored-on-chain: .*not the trusted/),
    });
  });

  it('says why content checks are skipped when the key is not a participant, and how to pass one', async () => {
    const result = await verify([replies.attested.inferenceId, '--key', stranger.apiKey]);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/not a participant.*content checks.*skipped.*--key/s);
    expect(result.out).toMatch(/– output-hash/);
    expect((await verify([replies.attested.inferenceId, '--key', stranger.apiKey, '--strict'])).code).toBe(1);
  });

  it('finds the api from its configuration (HOST and PORT) when no --api is given', async () => {
    const port = new URL(api.url).port;
    const config = AppConfig.fromProcessEnv({ HOST: '127.0.0.1', PORT: port });
    expect(config.publicUrl).toBe(api.url);
    expect((await verify([replies.attested.inferenceId, '--key', consumer.apiKey], config)).code).toBe(0);
  });

  it('reads the demo key from DATA_DIR when no --key is given, as npm start writes it there', async () => {
    // The consumer's key stands in for the demo creator's: a participant's key, so the content checks run.
    writeFileSync(join(dir, 'demo-creator.json'), JSON.stringify({ apiKey: consumer.apiKey }));
    // The dev CA is read from DATA_DIR too: the same one the api's node uses, so the attestation passes as above.
    copyFileSync(AppConfig.fromProcessEnv().node.devCaFile, join(dir, 'dev-ca.json'));
    const config = AppConfig.fromProcessEnv({ PUBLIC_URL: api.url, DATA_DIR: dir });
    const result = await verify([replies.attested.inferenceId], config);
    expect(result.err).not.toMatch(/not a participant/);
    expect(result.out).toMatch(/✓ output-hash/);
    expect(result.code).toBe(0);
  });

  it('exits 2 and names the URL when it cannot reach the api', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const result = await verify([replies.attested.inferenceId, '--api', unreachable]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`Could not reach the api at ${unreachable}`);
    expect((await verify([replies.attested.inferenceId, '--no-such-flag'])).code).toBe(2);
    expect((await verify([])).code).toBe(2);
  });

  it('says that a reply was taken over, from which node and after how many bytes, and fails a wrong prefix', async () => {
    // libs/receipts/test-fixtures: the fixture's reply, signed again as v3 by its node key, taken over after 10 bytes.
    const fixture = JSON.parse(
      readFileSync(join(__dirname, '../libs/receipts/test-fixtures/v1-bundle.json'), 'utf8'),
    ) as ProofBundle;
    const salt = `0x${'5a'.repeat(32)}`;
    const prefixNode = '0x2222222222222222222222222222222222222222';
    const receipt: Receipt = {
      ...fixture.receipt,
      inputHash: commitInput(salt, fixture.input),
      outputHash: commitText(salt, fixture.content!),
      prefixNode,
      prefixHash: commitText(salt, fixture.content!.slice(0, 10)),
    };
    const bundle: ProofBundle = {
      ...fixture,
      domain: RECEIPT_DOMAINS[3],
      types: receiptTypes(3),
      receipt,
      digest: receiptDigest(receipt, 3),
      signature: await signReceipt(new Wallet(`0x${'11'.repeat(32)}`), receipt),
      salt,
      takeover: { prefixBytes: 10 },
    };
    const file = join(dir, 'taken-over.json');
    writeFileSync(file, JSON.stringify(bundle));
    const trust = ['--trust-dev-authority', '0x1563915e194D8CfBA1943570603F7606A3115508'];
    expect(await verify([file, ...trust])).toMatchObject({
      code: 0,
      out: expect.stringContaining(`✓ prefix-hash: taken over from node ${prefixNode} after 10 bytes`),
    });
    writeFileSync(file, JSON.stringify({ ...bundle, takeover: { prefixBytes: 9 } }));
    expect(await verify([file, ...trust])).toMatchObject({
      code: 1,
      out: expect.stringContaining('FAILED: prefix-hash'),
    });
  });

  it('verifies a bundle file and an audit export, and exits 1 when one was tampered with', async () => {
    const bundle = (
      await request(api.url)
        .get(`/v1/inferences/${replies.attested.inferenceId}/bundle`)
        .set(consumer.auth)
        .expect(200)
    ).body as ProofBundle;
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    expect((await verify([file])).code).toBe(0);
    writeFileSync(file, JSON.stringify({ ...bundle, content: `${bundle.content}.` }));
    expect(await verify([file])).toMatchObject({
      code: 1,
      out: expect.stringContaining('FAILED: output-hash'),
    });

    // A greeted conversation: the greeting carries no receipt and is reported as a greeting.
    const exported = await request(api.url)
      .get(`/v1/conversations/${replies.attested.conversationId}/audit`)
      .set(consumer.auth)
      .buffer(true)
      .parse((res, callback) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => callback(null, text));
      })
      .expect(200);
    const audit = join(dir, 'conversation.jsonl');
    writeFileSync(audit, exported.body as string);
    expect(await verify([audit])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/✓ transcript: .*1 greeting/),
    });
    writeFileSync(
      audit,
      (exported.body as string).replace('Thanks, that was kind!', 'Thanks, that was cruel!'),
    );
    expect(await verify([audit])).toMatchObject({ code: 1, out: expect.stringContaining('✗ transcript') });
  });
});
