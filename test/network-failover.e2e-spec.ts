// Three real node processes behind the api's router, under a live chat over socket.io (docs/network.md): a node
// killed before its first token is replaced invisibly and the reply is signed by another node, attested and anchored;
// chats keep completing while it is dead; a stalled node is given up on after NODE_ITL_TIMEOUT_MS; a node killed
// after its first token is taken over by another node (message:node-changed, one content, a v3 receipt naming it).
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ChainReader, ProofBundle, verifyBundle } from '@app/receipts';
import { connectChat, startReply, watchProofUpdates } from '@app/testing';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { ApiHarness, createPersona, signUp, startApi, TestUser } from './support/api-harness';
import {
  buildNodeProcess,
  listNodes,
  nodeServingNow,
  NodeProcess,
  startNodeProcesses,
} from './support/node-processes';
import { devAttestationPolicy } from './support/verification';
import { waitFor } from './support/wait-for';

// A built-in profile: 1.5 s to the first token, then 10 tokens/s, so a test can kill the serving node before its
// first token, or after it while the reply still streams.
const MODEL_ID = 'embedded:slow';
const HEARTBEAT_MS = 300;
const ITL_TIMEOUT_MS = 3_000;
const overrides = {
  // Only the node processes serve.
  NODE_IN_PROCESS: 'false',
  NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
  // Above the profile's first token, so no healthy node counts as stalled on two busy cores.
  NODE_ITL_TIMEOUT_MS: String(ITL_TIMEOUT_MS),
  // Small batches that close fast, so a reply is anchored within a second or two.
  BATCH_MAX_AGE_MS: '300',
  RECONCILE_INTERVAL_MS: '1000',
};

jest.setTimeout(60_000);

describe('failover between three node processes under a live chat (e2e)', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let chain: ChainReader;
  let nodes: NodeProcess[] = [];
  let personaId: string;
  let consumer: TestUser;
  let socket: Socket;
  // Killed before its first token in the first case; the second runs while it is dead.
  let dead: NodeProcess | undefined;

  beforeAll(async () => {
    buildNodeProcess();
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', ...overrides }));
    chain = new ChainReader(AppConfig.fromProcessEnv().chain.rpcUrl);
    const [operator, creator] = await Promise.all([signUp(api.url, 'operator'), signUp(api.url, 'creator')]);
    nodes = await startNodeProcesses(3, api.url, operator.apiKey, [
      ...['--model-id', MODEL_ID, '--heartbeat-ms', String(HEARTBEAT_MS)],
    ]);
    ({ id: personaId } = await createPersona(api.url, creator, {
      name: 'Nia',
      personality: 'calm',
      modelId: MODEL_ID,
      verification: 'attested',
    }));
    consumer = await signUp(api.url, 'consumer');
    socket = await connectChat(api.url, consumer.apiKey);
  }, 90_000);

  afterAll(async () => {
    socket?.disconnect();
    await Promise.all(nodes.map((node) => node.dispose()));
    chain?.close();
    await worker?.close();
    await api?.close();
  });

  const alive = (): NodeProcess[] =>
    nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);

  async function conversation(user: TestUser): Promise<string> {
    const created = await request(api.url)
      .post('/v1/conversations')
      .set(user.auth)
      .send({ personaId })
      .expect(201);
    return created.body.id as string;
  }

  /** How many message:token events each message has had on this socket so far. */
  function countTokens(userSocket: Socket): { of(messageId: string): number; stop(): void } {
    const counts = new Map<string, number>();
    const onToken = (event: { messageId: string }): void => {
      counts.set(event.messageId, (counts.get(event.messageId) ?? 0) + 1);
    };
    userSocket.on('message:token', onToken);
    return {
      of: (messageId) => counts.get(messageId) ?? 0,
      stop: () => userSocket.off('message:token', onToken),
    };
  }

  async function signerOf(inferenceId: string): Promise<string> {
    const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
    const { signer, receipt } = view.body as { signer: string; receipt: { node: string } };
    expect(receipt.node).toBe(signer);
    return signer;
  }

  it('replaces a node killed before its first token: the reply completes, signed by a running node, attested and anchored', async () => {
    const updates = watchProofUpdates(socket);
    const tokens = countTokens(socket);
    const started = await startReply(socket, await conversation(consumer), 'Tell me about the weather.');
    expect(started.ack.ok).toBe(true);
    const first = await nodeServingNow(nodes);
    await first.kill('SIGKILL');
    dead = first;
    // It died before any token reached the client.
    expect(tokens.of(started.ack.assistantMessageId)).toBe(0);
    tokens.stop();

    const reply = await started.reply;
    expect(reply.error).toBeUndefined();
    const done = reply.done!;
    expect(done.content.length).toBeGreaterThan(0);
    expect(reply.tokens.map((t) => t.delta).join('')).toBe(done.content);

    const signer = await signerOf(done.inferenceId);
    expect(signer).not.toBe(first.listed.address);
    expect(alive().map((n) => n.listed.address)).toContain(signer);

    const attested = await updates.until(
      (u) => u.inferenceId === done.inferenceId && u.status === 'attested',
    );
    const anchored = await updates.until(
      (u) => u.inferenceId === done.inferenceId && u.status === 'anchored',
    );
    expect(updates.updates.indexOf(attested)).toBeLessThan(updates.updates.indexOf(anchored));
    const bundle = (
      await request(api.url).get(`/v1/inferences/${done.inferenceId}/bundle`).set(consumer.auth).expect(200)
    ).body as ProofBundle;
    expect(bundle.signer).toBe(signer);
    const verification = await verifyBundle(bundle, {
      attestationPolicy: await devAttestationPolicy(),
      chain,
    });
    expect(verification.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(verification.ok).toBe(true);

    // Its heartbeats stopped: the api lists it unhealthy within three intervals, the others stay healthy.
    await waitFor(
      async () => (await listNodes(api.url)).find((n) => n.id === first.listed.id)?.healthy === false,
      'the killed node to drop out of the healthy nodes',
      5_000,
    );
    const listed = await listNodes(api.url);
    for (const node of alive()) expect(listed.find((n) => n.id === node.listed.id)?.healthy).toBe(true);
  });

  it('completes every chat of two consumers while one node is dead, none signed by the dead node', async () => {
    const deadNode = dead!;
    expect(deadNode).toBeDefined();
    // Out of the router's candidates (the first case waits for this too; here it also holds when that one failed).
    await waitFor(
      async () => (await listNodes(api.url)).find((n) => n.id === deadNode.listed.id)?.healthy === false,
      'the killed node to drop out of the healthy nodes',
      5_000,
    );
    const running = alive().map((n) => n.listed.address);
    const second = await signUp(api.url, 'consumer');
    const secondSocket = await connectChat(api.url, second.apiKey);
    try {
      const chats = await Promise.all(
        [
          { user: consumer, socket },
          { user: second, socket: secondSocket },
        ].map(async ({ user, socket: userSocket }) => {
          const updates = watchProofUpdates(userSocket);
          const conversationId = await conversation(user);
          const done = [];
          for (const content of ['Hello!', 'What do you think of rain?', 'Good night.']) {
            const started = await startReply(userSocket, conversationId, content);
            const reply = await started.reply;
            expect(reply.error).toBeUndefined();
            done.push(reply.done!);
          }
          for (const { inferenceId } of done)
            await updates.until((u) => u.inferenceId === inferenceId && u.status === 'anchored');
          return done;
        }),
      );
      const replies = chats.flat();
      expect(replies).toHaveLength(6);
      for (const { inferenceId } of replies) {
        const signer = await signerOf(inferenceId);
        expect(signer).not.toBe(deadNode.listed.address);
        expect(running).toContain(signer);
      }
    } finally {
      secondSocket.disconnect();
    }
  });

  it('replaces a stalled node (no token within NODE_ITL_TIMEOUT_MS) like a failed one', async () => {
    const tokens = countTokens(socket);
    const startedAt = Date.now();
    const started = await startReply(socket, await conversation(consumer), 'Are you there?');
    const stalled = await nodeServingNow(alive());
    stalled.pause();
    try {
      const reply = await started.reply;
      expect(reply.error).toBeUndefined();
      // Its first token came from another node, after the stalled one had been given up on.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(ITL_TIMEOUT_MS);
      expect(tokens.of(started.ack.assistantMessageId)).toBeGreaterThan(0);
      const signer = await signerOf(reply.done!.inferenceId);
      expect(signer).not.toBe(stalled.listed.address);
      expect(alive().map((n) => n.listed.address)).toContain(signer);
    } finally {
      tokens.stop();
      stalled.resume();
    }
    // Back: it heartbeats again, so the next case has two nodes again.
    await waitFor(
      async () => (await listNodes(api.url)).find((n) => n.id === stalled.listed.id)?.healthy === true,
      'the resumed node to be healthy again',
      5_000,
    );
  });

  it('has another node take over a reply whose node is killed after its first token: one reply, one receipt chain naming the killed node, anchored', async () => {
    const conversationId = await conversation(consumer);
    // Every event of the reply in the order the client got them, to check where message:node-changed falls.
    const events: { event: string; seq?: number; delta?: string }[] = [];
    const record = (event: string) => (payload: { messageId: string; seq?: number; delta?: string }) => {
      if (payload.messageId === started?.ack.assistantMessageId)
        events.push({ event, seq: payload.seq, delta: payload.delta });
    };
    const onToken = record('message:token');
    const onChanged = record('message:node-changed');
    const onDone = record('message:done');
    socket.on('message:token', onToken);
    socket.on('message:node-changed', onChanged);
    socket.on('message:done', onDone);
    const updates = watchProofUpdates(socket);
    let started: Awaited<ReturnType<typeof startReply>> | undefined;
    try {
      started = await startReply(socket, conversationId, 'Tell me a story.');
      const serving = await nodeServingNow(alive());
      await waitFor(async () => events.length > 0, 'the first token to reach the client', 10_000, 10);
      await serving.kill('SIGKILL');

      const reply = await started.reply;
      expect(reply.error).toBeUndefined();
      const done = reply.done!;
      // The tokens before the event came from the killed node; it names the seq of the next one, which follows.
      const changedAt = events.findIndex((e) => e.event === 'message:node-changed');
      expect(changedAt).toBeGreaterThan(0);
      expect(events.filter((e) => e.event === 'message:node-changed')).toHaveLength(1);
      expect(events[changedAt].seq).toBe(changedAt);
      expect(events[changedAt + 1]).toMatchObject({ event: 'message:token', seq: changedAt });
      expect(events.at(-1)?.event).toBe('message:done');
      const tokens = events.filter((e) => e.event === 'message:token');
      expect(tokens.map((e) => e.seq)).toEqual(tokens.map((_, i) => i));
      const prefix = events
        .slice(0, changedAt)
        .map((e) => e.delta)
        .join('');
      // One content: exactly what was streamed, before and after the takeover, and stored as the reply.
      expect(tokens.map((e) => e.delta).join('')).toBe(done.content);
      expect(done.content.startsWith(prefix)).toBe(true);
      expect(done.content.length).toBeGreaterThan(prefix.length);
      const history = await request(api.url)
        .get(`/v1/conversations/${conversationId}/messages`)
        .set(consumer.auth)
        .expect(200);
      const stored = (history.body.data as { id: string; status: string; content: string }[]).find(
        (m) => m.id === started!.ack.assistantMessageId,
      );
      expect(stored).toMatchObject({ status: 'complete', content: done.content });

      // One receipt: the finishing node's, v3, covering the whole reply and naming the killed node and its prefix.
      const signer = await signerOf(done.inferenceId);
      expect(signer).not.toBe(serving.listed.address);
      expect(alive().map((n) => n.listed.address)).toContain(signer);
      await updates.until((u) => u.inferenceId === done.inferenceId && u.status === 'anchored');
      const bundle = (
        await request(api.url).get(`/v1/inferences/${done.inferenceId}/bundle`).set(consumer.auth).expect(200)
      ).body as ProofBundle;
      expect(bundle.domain.version).toBe('3');
      expect(bundle.receipt).toMatchObject({ prefixNode: serving.listed.address });
      expect(bundle.takeover).toEqual({ prefixBytes: Buffer.byteLength(prefix, 'utf8') });
      const verification = await verifyBundle(bundle, {
        attestationPolicy: await devAttestationPolicy(),
        chain,
      });
      expect(verification.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(verification.ok).toBe(true);
      // The participant's bundle shows the prefix, so its commitment is checked, not skipped.
      const prefixCheck = verification.checks.find((c) => c.check === 'prefix-hash');
      expect(prefixCheck?.status).toBe('pass');
      expect(prefixCheck?.detail).toContain(
        `taken over from node ${serving.listed.address} after ${Buffer.byteLength(prefix, 'utf8')} bytes`,
      );
    } finally {
      socket.off('message:token', onToken);
      socket.off('message:node-changed', onChanged);
      socket.off('message:done', onDone);
    }
  });
});
