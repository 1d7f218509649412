// What the network e2e files (spot checks, economics, GET /v1/network) boot alike: an api and a worker with the same
// settings, node rows or operators' node processes, and a persona with a consumer connected to /chat; one close()
// stops all of it, whatever part of a beforeAll got through.
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Prisma, PrismaService } from '@app/database';
import { connectChat, createTestDatabase, dropTestDatabase } from '@app/testing';
import { Wallet } from 'ethers';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './api-harness';
import { listNodes, NodeProcess, startNodeProcess } from './node-processes';
import { waitFor } from './wait-for';

export interface NetworkFixture {
  readonly api: ApiHarness;
  readonly worker: INestApplicationContext;
  /** The worker's client, on the api's database. */
  readonly prisma: PrismaService;
  /** The rows insertNode made; close() revokes them. */
  readonly insertedNodeIds: readonly string[];
  /**
   * An active node row of `operatorId`, heard from and probed just now, at a URL nothing listens on: it shows in the
   * network's figures, never serves. Returns its id.
   */
  insertNode(
    operatorId: string,
    fields: Partial<Prisma.NodeUncheckedCreateInput> & { modelIds: string[] },
  ): Promise<string>;
  /**
   * One node process per entry of `argsPerNode`, each run by an operator of its own (signed up here); resolves once
   * all are listed healthy. If one fails to come up, its error is thrown; close() disposes those that did.
   */
  startOperatorNodes(argsPerNode: string[][]): Promise<NodeProcess[]>;
  /** A persona made by a new creator from `persona` (the request body), and a new consumer connected to /chat. */
  openChat(persona: Record<string, unknown> & { name: string }): Promise<ChatSession>;
  /**
   * Disconnects the sockets, disposes the node processes (an admin revokes any that became suspect first: its
   * operator may not, docs/network.md, Spot checks), revokes the inserted rows, stops the worker and the api.
   */
  close(): Promise<void>;
}

export interface ChatSession {
  personaId: string;
  personaSlug: string;
  consumer: TestUser;
  socket: Socket;
}

/**
 * The api (startApi's test defaults) and a worker on the same `env` (LOG_LEVEL warn unless it says otherwise).
 * `ownDatabase`: a fresh database for this file alone, so figures count only its own rows; dropped on close.
 */
export async function startNetwork(
  env: Record<string, string>,
  options: { ownDatabase?: boolean } = {},
): Promise<NetworkFixture> {
  const database = options.ownDatabase ? await createTestDatabase() : undefined;
  const settings = { LOG_LEVEL: 'warn', ...env, ...(database ? { DATABASE_URL: database.url } : {}) };
  let api: ApiHarness | undefined;
  let worker: INestApplicationContext | undefined;
  const insertedNodeIds: string[] = [];
  const nodes: NodeProcess[] = [];
  const sockets: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.disconnect();
    if (api && worker) await Promise.all(nodes.map((node) => reviewIfSuspect(api!, worker!, node)));
    await Promise.all(nodes.map((node) => node.dispose()));
    if (worker && insertedNodeIds.length > 0)
      await worker
        .get(PrismaService)
        .node.updateMany({ where: { id: { in: insertedNodeIds } }, data: { status: 'revoked' } });
    await worker?.close();
    await api?.close();
    if (database) await dropTestDatabase(database.name);
  };
  try {
    api = await startApi(settings);
    worker = await createWorker(AppConfig.fromProcessEnv(settings));
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  const prisma = worker.get(PrismaService);
  const apiUrl = api.url;
  return {
    api,
    worker,
    prisma,
    insertedNodeIds,
    async insertNode(operatorId, fields) {
      const created = await prisma.node.create({
        data: {
          address: Wallet.createRandom().address,
          name: 'box',
          url: 'http://127.0.0.1:4100',
          attestationKind: 'dev',
          attestation: {},
          status: 'active',
          // Heard from and probed just now: healthy, as the network counts nodes (docs/network.md, Liveness probes).
          lastHeartbeatAt: new Date(),
          probedAt: new Date(),
          ...fields,
          operatorId,
        },
      });
      insertedNodeIds.push(created.id);
      return created.id;
    },
    async startOperatorNodes(argsPerNode) {
      const operators = await Promise.all(argsPerNode.map(() => signUp(apiUrl, 'operator')));
      const started = await Promise.allSettled(
        argsPerNode.map((args, i) => startNodeProcess(apiUrl, operators[i].apiKey, args)),
      );
      for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      return started.map((result) => (result as PromiseFulfilledResult<NodeProcess>).value);
    },
    async openChat(persona) {
      const creator = await signUp(apiUrl, 'creator');
      const { id: personaId, slug: personaSlug } = await createPersona(apiUrl, creator, persona);
      const consumer = await signUp(apiUrl, 'consumer');
      const socket = await connectChat(apiUrl, consumer.apiKey);
      sockets.push(socket);
      return { personaId, personaSlug, consumer, socket };
    },
    close,
  };
}

/** An admin's review of a node that became suspect: revoked, so its operator's dispose() finds nothing to revoke. */
async function reviewIfSuspect(
  api: ApiHarness,
  worker: INestApplicationContext,
  node: NodeProcess,
): Promise<void> {
  const listed = (await listNodes(api.url)).find((n) => n.id === node.listed.id);
  if (listed?.status !== 'suspect') return;
  const admin = await signUp(api.url, 'consumer');
  await worker.get(PrismaService).user.update({ where: { id: admin.id }, data: { role: 'admin' } });
  await request(api.url).delete(`/v1/nodes/${listed.id}`).set(admin.auth).expect(204);
}

/**
 * The spot check of `inferenceId` once it has a verdict. A row exists as soon as the reply is picked; pending until
 * the worker has re-run it.
 */
export async function settledSpotCheck(
  prisma: PrismaService,
  inferenceId: string,
): Promise<{ status: string; reason: string | null }> {
  let check: { status: string; reason: string | null } | null = null;
  await waitFor(
    async () => {
      check = await prisma.spotCheck.findUnique({ where: { inferenceId } });
      return check !== null && check.status !== 'pending';
    },
    `the spot check of ${inferenceId}`,
    30_000,
  );
  return check!;
}
