import { INestApplicationContext } from '@nestjs/common';
import { DevAttestationAuthority, devMeasurement } from '@app/attestation';
import { AppConfig } from '@app/config';
import { Prisma, PrismaService } from '@app/database';
import { commitText, Receipt, receiptDigest, signReceipt, utf8Length, utf8Prefix } from '@app/receipts';
import { connectChat, createTestDatabase, dropTestDatabase, startReply, TestDatabase } from '@app/testing';
import { keccak256, toUtf8Bytes, Wallet } from 'ethers';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import { waitFor } from './support/wait-for';

// Deterministic keys for the impostors, so a failure reproduces exactly.
const OTHER_KEY = `0x${'33'.repeat(32)}`;
const EXPIRED_NODE_KEY = `0x${'44'.repeat(32)}`;
const ROGUE_NODE_KEY = `0x${'55'.repeat(32)}`;

/**
 * The proofs worker is the platform's own check of every receipt before it is anchored. Each case stores a record
 * tampered the way a faulty or lying node (or a corrupted row) would leave it, then lets the real worker take the
 * queued job: each must end `failed` with its reason, and an untouched reply must still be attested.
 */
describe('proofs worker rejects tampered inference records (e2e)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let api: ApiHarness;
  let worker: INestApplicationContext | undefined;
  let prisma: PrismaService;
  let consumer: TestUser;
  let personaId: string;
  let socket: Socket;
  let node: Wallet;

  beforeAll(async () => {
    // A database and queue prefix of this file's own: no other file's worker may attest these records first.
    database = await createTestDatabase();
    node = new Wallet(`0x${randomBytes(32).toString('hex')}`);
    env = {
      DATABASE_URL: database.url,
      REDIS_PREFIX: `tamper-${randomBytes(4).toString('hex')}`,
      NODE_PRIVATE_KEY: node.privateKey,
      BATCH_MAX_AGE_MS: '300',
      LOG_LEVEL: 'error',
    };
    api = await startApi({ ...env, EMBEDDED_LATENCY: 'ttft=5,tps=500' });
    prisma = new PrismaService(AppConfig.fromProcessEnv(env));
    const creator = await signUp(api.url, 'creator');
    consumer = await signUp(api.url, 'consumer');
    personaId = (
      await createPersona(api.url, creator, { name: 'Tess', personality: 'exact', verification: 'attested' })
    ).id;
    socket = await connectChat(api.url, consumer.apiKey);
  }, 60_000);

  afterAll(async () => {
    socket?.disconnect();
    await worker?.close();
    await api?.close();
    await prisma?.$disconnect();
    if (database) await dropTestDatabase(database.name);
  });

  /** One reply in a conversation of its own, left pending: no worker runs yet. */
  async function reply(): Promise<string> {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const started = await startReply(socket, conversation.body.id as string, 'Remember the blue door.');
    const done = (await started.reply).done;
    if (!done) throw new Error('the reply did not complete');
    return done.inferenceId;
  }

  async function stored(id: string) {
    const record = await prisma.inferenceRecord.findUniqueOrThrow({ where: { id } });
    return { record, receipt: record.receipt as unknown as Receipt };
  }

  /** Replaces the stored receipt with `receipt` signed by `signer`: a valid signature over what it says. */
  async function storeSigned(
    id: string,
    receipt: Receipt,
    signer: Wallet,
    extra: Prisma.InferenceRecordUpdateInput = {},
  ) {
    await prisma.inferenceRecord.update({
      where: { id },
      data: {
        receipt: receipt as unknown as Prisma.InputJsonValue,
        digest: receiptDigest(receipt),
        signature: await signReceipt(signer, receipt),
        signer: signer.address,
        ...extra,
      },
    });
  }

  /** A node registered with a dev attestation from this run's own CA, which the worker trusts. */
  async function registerNode(wallet: Wallet, measurement: string, issuedAt: Date, validForMs: number) {
    const authority = await DevAttestationAuthority.loadOrCreate(
      AppConfig.fromProcessEnv(env).node.devCaFile,
    );
    const document = await authority.issue({
      nodeAddress: wallet.address,
      measurement,
      validForMs,
      issuedAt,
    });
    return prisma.node.create({
      data: {
        address: wallet.address,
        name: `impostor-${wallet.address.slice(2, 8)}`,
        url: 'http://127.0.0.1:9',
        attestationKind: 'dev',
        attestation: { kind: 'dev', document },
        measurement,
      },
    });
  }

  it('ends every tampered record failed with its reason, through the queued worker job, and attests the untouched one', async () => {
    const legit = await prisma.node.findUniqueOrThrow({ where: { address: node.address } });
    const other = new Wallet(OTHER_KEY);
    const cases: { name: string; reason: RegExp; tamper: (id: string) => Promise<void> }[] = [
      {
        name: 'changed input hash',
        reason: /inputHash does not match/,
        tamper: async (id) => {
          const { receipt } = await stored(id);
          await storeSigned(id, { ...receipt, inputHash: keccak256(toUtf8Bytes('another prompt')) }, node);
        },
      },
      {
        name: 'changed output hash',
        reason: /outputHash does not match/,
        tamper: async (id) => {
          const { record, receipt } = await stored(id);
          await storeSigned(id, { ...receipt, outputHash: commitText(record.salt!, 'Another reply.') }, node);
        },
      },
      {
        name: 'changed persona version hash',
        reason: /another persona version/,
        tamper: async (id) => {
          const { receipt } = await stored(id);
          const personaVersionHash = keccak256(
            toUtf8Bytes('a persona version the conversation is not pinned to'),
          );
          await storeSigned(id, { ...receipt, personaVersionHash }, node, { personaVersionHash });
        },
      },
      {
        name: 'signature by another key',
        reason: /does not recover to the receipt’s node/,
        tamper: async (id) => {
          const { receipt } = await stored(id);
          await storeSigned(id, receipt, other, { signer: node.address });
        },
      },
      {
        name: 'unregistered node',
        reason: /not registered/,
        tamper: async (id) => {
          const { receipt } = await stored(id);
          await storeSigned(id, { ...receipt, node: other.address }, other);
        },
      },
      {
        name: 'attestation outside its validity',
        reason: /attestation rejected: .*expired/,
        tamper: async (id) => {
          const expired = new Wallet(EXPIRED_NODE_KEY);
          const row = await registerNode(
            expired,
            legit.measurement!,
            new Date(Date.now() - 48 * 3_600_000),
            3_600_000,
          );
          const { receipt } = await stored(id);
          await storeSigned(id, { ...receipt, node: expired.address }, expired, {
            node: { connect: { id: row.id } },
          });
        },
      },
      {
        name: 'measurement not allowed',
        reason: /attestation rejected: measurement not allowed/,
        tamper: async (id) => {
          const rogue = new Wallet(ROGUE_NODE_KEY);
          const row = await registerNode(rogue, devMeasurement('rogue-build@6.6.6'), new Date(), 3_600_000);
          const { receipt } = await stored(id);
          await storeSigned(id, { ...receipt, node: rogue.address }, rogue, {
            node: { connect: { id: row.id } },
          });
        },
      },
      {
        name: 'a takeover the reply did not have (receipt v3)',
        reason: /claims a takeover/,
        tamper: async (id) => {
          const { record, receipt } = await stored(id);
          const prefixHash = commitText(record.salt!, 'A prefix');
          await storeSigned(id, { ...receipt, prefixNode: other.address, prefixHash }, node);
        },
      },
      {
        name: 'a takeover whose prefixHash is not the delivered prefix',
        reason: /prefixHash does not match/,
        tamper: async (id) => {
          const { record, receipt } = await stored(id);
          const prefixHash = commitText(record.salt!, 'Not what was delivered');
          await storeSigned(id, { ...receipt, prefixNode: other.address, prefixHash }, node, {
            prefixBytes: 4,
          });
        },
      },
    ];
    const ids: string[] = [];
    for (const tampered of cases) {
      const id = await reply();
      await tampered.tamper(id);
      ids.push(id);
    }
    const untouched = await reply();
    expect((await stored(untouched)).record.status).toBe('pending');
    // A reply taken over after its first 4 bytes, its receipt as the finishing node signs it: the worker attests it.
    const takenOver = await reply();
    {
      const { record, receipt } = await stored(takenOver);
      const content = (await prisma.message.findUniqueOrThrow({ where: { id: record.messageId } })).content;
      const prefix = utf8Prefix(content, 4)!;
      const prefixHash = commitText(record.salt!, prefix);
      await storeSigned(takenOver, { ...receipt, prefixNode: other.address, prefixHash }, node, {
        prefixBytes: utf8Length(prefix),
      });
    }

    // Only the in-process node's build is allowed; the dev CA itself is trusted, as outside production.
    worker = await createWorker(
      AppConfig.fromProcessEnv({ ...env, ALLOWED_MEASUREMENTS: legit.measurement! }),
    );
    const all = [...ids, untouched, takenOver];
    await waitFor(
      async () =>
        (await prisma.inferenceRecord.count({ where: { id: { in: all }, status: 'pending' } })) === 0,
      'the worker to check every receipt',
      30_000,
    );

    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const view = await request(api.url).get(`/v1/inferences/${id}`).set(consumer.auth).expect(200);
        return { status: view.body.status as string, error: view.body.error as string | null };
      }),
    );
    cases.forEach((tampered, index) =>
      expect({ case: tampered.name, ...outcomes[index] }).toEqual({
        case: tampered.name,
        status: 'failed',
        error: expect.stringMatching(tampered.reason),
      }),
    );
    expect(['attested', 'anchored']).toContain((await stored(untouched)).record.status);
    expect(await prisma.inferenceRecord.findUniqueOrThrow({ where: { id: takenOver } })).toMatchObject({
      status: expect.stringMatching(/^(attested|anchored)$/),
      error: null,
    });
  }, 90_000);
});
