// Spot checks (issue 11, docs/network.md): three real node processes of three operators serve one deterministic
// model; one of them lies (its upstream answers something else than the model everyone agreed on). With
// SPOT_CHECK_RATE=1 the worker re-runs every attested reply on another operator's node: the liar's reply is disputed,
// the liar becomes suspect and is routed around, and an honest reply is matched.
import { PrismaService } from '@app/database';
import { OpenAiStandIn, startOpenAiStandIn } from '@app/inference/testing/openai-stand-in';
import { ProofBundle, verifyBundle } from '@app/receipts';
import { startReply, watchProofUpdates } from '@app/testing';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { ApiHarness, TestUser } from './support/api-harness';
import { NetworkFixture, settledSpotCheck, startNetwork } from './support/network-fixture';
import { buildNodeProcess, listNodes, NodeProcess } from './support/node-processes';
import { devAttestationPolicy } from './support/verification';
import { waitFor } from './support/wait-for';

// An upstream model the platform lists as served greedily: the honest nodes' upstream always gives the same answer.
const MODEL_ID = `spot-greedy-${randomBytes(3).toString('hex')}`;
const HONEST_TOKENS = ['The', ' answer', ' is', ' 42.'];
// Healthy within 3 s: a referee must not look dead to the worker on a busy machine.
const HEARTBEAT_MS = 1_000;

jest.setTimeout(90_000);

// Every describe's api and worker: every reply checked, fast heartbeats and batches, and queues of its own, so no
// other file's (or describe's) worker, with other settings, takes these spot checks.
const spotCheckSettings = (env: Record<string, string>): Record<string, string> => ({
  NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
  SPOT_CHECK_RATE: '1',
  BATCH_MAX_AGE_MS: '300',
  REDIS_PREFIX: `spot-checks-${randomBytes(4).toString('hex')}`,
  ...env,
});

/**
 * An api that routes `modelId` only to node processes (no in-process node) and lists it as served greedily, so its
 * replies are checked; it must know the model id for a persona to name it, and never calls `upstream` itself.
 */
const upstreamModelSettings = (modelId: string, upstream: OpenAiStandIn): Record<string, string> => ({
  NODE_IN_PROCESS: 'false',
  OPENAI_MODEL_ID: modelId,
  OPENAI_BASE_URL: upstream.baseURL,
  OPENAI_MODEL: modelId,
  SPOT_CHECK_MODELS: modelId,
});

/** A node process serving `modelId` from `upstream`, heartbeating as often as the api expects. */
const upstreamNodeArgs = (upstream: OpenAiStandIn, modelId: string): string[] => [
  ...['--upstream', upstream.baseURL, '--model-id', modelId],
  ...['--heartbeat-ms', String(HEARTBEAT_MS)],
];

describe('spot checks catch a lying node (e2e)', () => {
  let honestUpstream: OpenAiStandIn;
  let lyingUpstream: OpenAiStandIn;
  let network: NetworkFixture | undefined;
  let api: ApiHarness;
  let prisma: PrismaService;
  let honest: NodeProcess[] = [];
  let liar: NodeProcess | undefined;
  let personaId: string;
  let consumer: TestUser;
  let socket: Socket;

  beforeAll(async () => {
    buildNodeProcess();
    honestUpstream = await startOpenAiStandIn({ kind: 'reply', tokens: HONEST_TOKENS });
    lyingUpstream = await startOpenAiStandIn({
      kind: 'reply',
      tokens: ['Trust', ' me,', ' it', ' is', ' 7.'],
    });
    network = await startNetwork(spotCheckSettings(upstreamModelSettings(MODEL_ID, honestUpstream)));
    ({ api, prisma } = network);
    const nodes = await network.startOperatorNodes([
      upstreamNodeArgs(honestUpstream, MODEL_ID),
      upstreamNodeArgs(honestUpstream, MODEL_ID),
      // Claims the model, answers something else, and signs exactly what it answered.
      upstreamNodeArgs(lyingUpstream, MODEL_ID),
    ]);
    honest = nodes.slice(0, 2);
    liar = nodes[2];
    ({ personaId, consumer, socket } = await network.openChat({
      name: 'Oracle',
      personality: 'exact',
      modelId: MODEL_ID,
      verification: 'attested',
    }));
  }, 120_000);

  afterAll(async () => {
    await network?.close();
    await honestUpstream?.close();
    await lyingUpstream?.close();
  });

  interface Served {
    inferenceId: string;
    content: string;
    signer: string;
  }

  /** One reply in a new conversation: who signed it. */
  async function chat(): Promise<Served> {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const started = await startReply(socket, conversation.body.id as string, 'What is the answer?');
    const reply = await started.reply;
    expect(reply.error).toBeUndefined();
    const { inferenceId, content } = reply.done!;
    const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
    return { inferenceId, content, signer: (view.body as { signer: string }).signer };
  }

  it('disputes the liar’s reply, marks it suspect, routes around it, and matches honest replies', async () => {
    const updates = watchProofUpdates(socket);
    // Three at a time, so the least-loaded router gives each node one; until the liar has served a reply.
    const served: Served[] = [];
    await waitFor(
      async () => {
        served.push(...(await Promise.all([chat(), chat(), chat()])));
        return served.some((s) => s.signer === liar!.listed.address);
      },
      'the lying node to serve a reply',
      30_000,
      0,
    );
    const lie = served.find((s) => s.signer === liar!.listed.address)!;
    expect(lie.content).not.toBe(HONEST_TOKENS.join(''));

    const lieCheck = await settledSpotCheck(prisma, lie.inferenceId);
    expect(lieCheck.status).toBe('disputed');
    // The client is told, as for every step of a reply's verification.
    const disputed = await updates.until((u) => u.inferenceId === lie.inferenceId && u.status === 'disputed');
    expect(disputed.error).toContain('different output');
    const view = await request(api.url)
      .get(`/v1/inferences/${lie.inferenceId}`)
      .set(consumer.auth)
      .expect(200);
    expect(view.body.status).toBe('disputed');
    expect(view.body.spotCheck).toMatchObject({
      status: 'disputed',
      checkerNode: expect.stringMatching(/^0x/),
      checkedAt: expect.any(String),
      reason: expect.stringContaining('different output'),
    });
    expect(honest.map((n) => n.listed.address)).toContain(view.body.spotCheck.checkerNode);
    // The bundle carries the dispute, and a verifier reports it as a failed check.
    const bundle = (
      await request(api.url).get(`/v1/inferences/${lie.inferenceId}/bundle`).set(consumer.auth).expect(200)
    ).body as ProofBundle;
    expect(bundle.spotCheck?.status).toBe('disputed');
    const verification = await verifyBundle(bundle, { attestationPolicy: await devAttestationPolicy() });
    expect(verification.ok).toBe(false);
    expect(verification.checks.filter((c) => c.status === 'fail').map((c) => c.check)).toEqual([
      'spot-check',
    ]);
    const listed = (await listNodes(api.url)).find((n) => n.id === liar!.listed.id);
    expect(listed?.status).toBe('suspect');
    // Its heartbeats keep coming, and do not clear it.
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    expect((await listNodes(api.url)).find((n) => n.id === liar!.listed.id)?.status).toBe('suspect');

    // An honest reply is matched (even one the liar was asked to check: a third operator referees).
    const honestReply = served.find((s) => s.signer !== liar!.listed.address)!;
    expect((await settledSpotCheck(prisma, honestReply.inferenceId)).status).toBe('matched');
    const honestView = await request(api.url)
      .get(`/v1/inferences/${honestReply.inferenceId}`)
      .set(consumer.auth)
      .expect(200);
    expect(honestView.body.status).not.toBe('disputed');
    expect(honestView.body.spotCheck).toMatchObject({ status: 'matched' });
    const checks = await prisma.spotCheck.findMany({ select: { status: true, reason: true } });
    for (const node of honest)
      expect({
        status: (await listNodes(api.url)).find((n) => n.id === node.listed.id)?.status,
        checks,
      }).toMatchObject({ status: 'active' });

    // Routed around: later replies are all signed by honest nodes.
    const later = await Promise.all([chat(), chat(), chat(), chat()]);
    for (const reply of later) {
      expect(reply.signer).not.toBe(liar!.listed.address);
      expect(reply.content).toBe(HONEST_TOKENS.join(''));
    }
  });
});

// The embedded model re-run by a node process: the api's in-process node (the platform, no operator) serves the reply,
// a node process of an operator re-runs it on the same profile with the reply's token count as its cap.
describe('spot checks of the embedded model (e2e)', () => {
  // A profile no other file names, so other files' apis (same database) do not route to this file's node.
  const EMBEDDED_ID = 'embedded:local';
  let network: NetworkFixture | undefined;
  let api: ApiHarness;
  let prisma: PrismaService;
  let checker: NodeProcess | undefined;
  let personaId: string;
  let personaSlug: string;
  let consumer: TestUser;
  let socket: Socket;

  beforeAll(async () => {
    buildNodeProcess();
    network = await startNetwork(spotCheckSettings({}));
    ({ api, prisma } = network);
    [checker] = await network.startOperatorNodes([
      ['--model-id', EMBEDDED_ID, '--heartbeat-ms', String(HEARTBEAT_MS)],
    ]);
    ({ personaId, personaSlug, consumer, socket } = await network.openChat({
      name: 'Echo',
      personality: 'chatty',
      modelId: EMBEDDED_ID,
      verification: 'attested',
    }));
  }, 120_000);

  afterAll(async () => {
    await network?.close();
  });

  it('matches replies of the in-process node re-run by an operator’s node process', async () => {
    const conversation = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId })
      .expect(201);
    const matched: string[] = [];
    for (const text of [
      'Hello! How are you today?',
      'Tell me about your favourite book, in detail please.',
    ]) {
      const reply = await (await startReply(socket, conversation.body.id as string, text)).reply;
      expect(reply.error).toBeUndefined();
      const { inferenceId } = reply.done!;
      const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
      // Only the in-process node's replies have another operator's node to check them here.
      if (view.body.signer === checker!.listed.address) continue;
      expect((await settledSpotCheck(prisma, inferenceId)).status).toBe('matched');
      matched.push(inferenceId);
    }
    expect(matched.length).toBeGreaterThan(0);
    expect((await listNodes(api.url)).find((n) => n.id === checker!.listed.id)?.status).toBe('active');
  });

  // Attacker report finding 1: a reply cut by the client's `stop` was re-run without it and disputed, framing the
  // honest node. The stop is recorded with the reply and replayed, so the cut reply matches.
  it('matches a reply cut by the client’s stop sequence (OpenAI endpoint)', async () => {
    const complete = (content: string, extra: Record<string, unknown> = {}) =>
      request(api.url)
        .post('/v1/chat/completions')
        .set(consumer.auth)
        .send({ model: personaSlug, messages: [{ role: 'user', content }], ...extra })
        .expect(200);
    let checked: { inferenceId: string; content: string } | undefined;
    for (let attempt = 0; attempt < 8 && !checked; attempt += 1) {
      const question = `Tell me about the weather today ${attempt}`;
      // The embedded model is deterministic: the uncut reply says which word the stop will cut at.
      const whole = (await complete(question)).body.choices[0].message.content as string;
      const words = whole.split(/\s+/).filter((word) => word.length > 2);
      // A cut that is not a whole number of estimateTokens (4 characters): a re-run capped at the reply's token count
      // but not told the stop would run past the cut, so only a replayed stop matches it.
      const stop = words.find((word) => whole.indexOf(word) > 0 && whole.indexOf(word) % 4 !== 0);
      if (!stop) continue;
      const cut = await complete(question, { stop });
      const inferenceId = cut.body.inference_id as string;
      const content = cut.body.choices[0].message.content as string;
      expect(content.length).toBeLessThan(whole.length);
      const view = await request(api.url).get(`/v1/inferences/${inferenceId}`).set(consumer.auth).expect(200);
      // Only the in-process node's replies have another operator's node to check them here.
      if (view.body.signer !== checker!.listed.address) checked = { inferenceId, content };
    }
    expect(checked).toBeDefined();
    expect(await settledSpotCheck(prisma, checked!.inferenceId)).toMatchObject({ status: 'matched' });
    // Neither the honest node that served it nor its checker is suspect.
    const record = await prisma.inferenceRecord.findUnique({
      where: { id: checked!.inferenceId },
      select: { generation: true, node: { select: { status: true } } },
    });
    expect(record?.generation).toMatchObject({ stop: [expect.any(String)] });
    expect(record?.node?.status).not.toBe('suspect');
    expect((await listNodes(api.url)).find((n) => n.id === checker!.listed.id)?.status).toBe('active');
  });
});

// Attacker report finding 2: a node streams a lie, then fails on purpose; another node takes over and signs a v3
// receipt vouching for the lie as its prefix. Every taken-over reply is checked: its prefix is compared with a re-run
// on operators other than the prefix node's and the finisher's, and two agreeing re-runs make the prefix node suspect.
describe('spot checks of taken-over replies (e2e)', () => {
  const TAKEOVER_MODEL = `spot-takeover-${randomBytes(3).toString('hex')}`;
  let honestUpstream: OpenAiStandIn;
  let stallingUpstream: OpenAiStandIn;
  let network: NetworkFixture | undefined;
  let api: ApiHarness;
  let prisma: PrismaService;
  let honest: NodeProcess[] = [];
  let liar: NodeProcess | undefined;
  let personaId: string;
  let consumer: TestUser;
  let socket: Socket;

  beforeAll(async () => {
    buildNodeProcess();
    honestUpstream = await startOpenAiStandIn({ kind: 'reply', tokens: HONEST_TOKENS });
    // Streams its lie's first piece, then stalls: the router hands the reply over with the lie as its prefix.
    stallingUpstream = await startOpenAiStandIn({ kind: 'hang', tokens: ['Trust me, it is 7. '] });
    network = await startNetwork(
      spotCheckSettings({
        ...upstreamModelSettings(TAKEOVER_MODEL, honestUpstream),
        NODE_ITL_TIMEOUT_MS: '1500',
        SPOT_CHECK_RATE: '0.01', // taken-over replies are checked whatever the rate
      }),
    );
    ({ api, prisma } = network);
    const nodes = await network.startOperatorNodes([
      ...[1, 2, 3].map(() => upstreamNodeArgs(honestUpstream, TAKEOVER_MODEL)),
      upstreamNodeArgs(stallingUpstream, TAKEOVER_MODEL),
    ]);
    honest = nodes.slice(0, 3);
    liar = nodes[3];
    ({ personaId, consumer, socket } = await network.openChat({
      name: 'Relay',
      personality: 'exact',
      modelId: TAKEOVER_MODEL,
      verification: 'attested',
    }));
  }, 120_000);

  afterAll(async () => {
    await network?.close();
    await honestUpstream?.close();
    await stallingUpstream?.close();
  });

  it('checks a taken-over reply’s prefix and makes the node that streamed the lie suspect', async () => {
    let takenOver: string | undefined;
    for (let attempt = 0; attempt < 12 && !takenOver; attempt += 1) {
      const conversation = await request(api.url)
        .post('/v1/conversations')
        .set(consumer.auth)
        .send({ personaId })
        .expect(201);
      const reply = await (
        await startReply(socket, conversation.body.id as string, 'What is the answer?')
      ).reply;
      if (reply.error) continue;
      const record = await prisma.inferenceRecord.findUnique({
        where: { id: reply.done!.inferenceId },
        select: { prefixNodeId: true },
      });
      if (record?.prefixNodeId === liar!.listed.id) takenOver = reply.done!.inferenceId;
    }
    expect(takenOver).toBeDefined();
    expect(await settledSpotCheck(prisma, takenOver!)).toMatchObject({
      status: 'disputed',
      reason: expect.stringContaining('start (first'),
    });
    const nodes = await listNodes(api.url);
    expect(nodes.find((n) => n.id === liar!.listed.id)?.status).toBe('suspect');
    for (const node of honest) expect(nodes.find((n) => n.id === node.listed.id)?.status).toBe('active');
  });
});
