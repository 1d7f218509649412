import { Wallet } from 'ethers';
import {
  challengeDigest,
  decodeToken,
  defaultChallenge,
  parseAuthorization,
} from '@app/privacy/tokens/token';
import { devMeasurement } from '@app/attestation';
import { type ProofBundle, type Receipt, receiptDigest, signReceipt } from '@app/receipts';
import type { ChatEvent } from './chat-stream';
import { PrivateChatClient } from './private-chat.client';
import { PrivateChatError } from './private-chat.errors';
import {
  API,
  CONVERSATION_ID,
  createStandIn,
  type FakePlatform,
  HOUR,
  INFERENCE_ID,
  NOW,
  PIECES,
  RELAY,
  REPLY,
  SESSION_KEY,
  type StandIn,
} from './testing/private-platform.stand-in';

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const all: ChatEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<PrivateChatError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrivateChatError) return error;
    throw error;
  }
  throw new Error('it did not fail');
}

describe('PrivateChatClient through a relay and gateway (real OHTTP, Privacy Pass and receipts)', () => {
  let standIn: StandIn;
  let platform: FakePlatform;
  let client: PrivateChatClient;

  beforeAll(async () => {
    standIn = await createStandIn();
    platform = standIn.platform;
    client = new PrivateChatClient({
      apiUrl: API,
      relayUrl: RELAY,
      attestationPolicy: standIn.policy,
      fetch: platform.fetch,
      now: () => NOW,
    });
  });

  beforeEach(() => {
    platform.behaviour = 'stream';
  });

  async function chatOnce(token?: Uint8Array) {
    const route = await client.route();
    const [minted] = token ? [token] : await client.obtainTokens('tp_consumer', 1);
    return {
      route,
      events: client.chat({
        route,
        token: minted,
        persona: 'vera',
        messages: [{ role: 'user', content: 'Where does my sister live?' }],
      }),
    };
  }

  it('streams a reply sealed to the attested gateway, authorized by a blind token the issuer signed', async () => {
    const { events } = await chatOnce();
    const all = await collect(events);

    expect(all).toEqual([
      ...PIECES.map((text) => ({ type: 'delta', text })),
      {
        type: 'done',
        inferenceId: INFERENCE_ID,
        conversationId: CONVERSATION_ID,
        content: REPLY,
        sessionKey: SESSION_KEY,
      },
    ]);
    expect(platform.seen.innerChat).toMatchObject({
      path: '/v1/chat/completions',
      authorization: expect.stringMatching(/^PrivateToken token="[A-Za-z0-9_-]+={0,2}"$/),
      body: {
        model: 'vera',
        stream: true,
        messages: [{ role: 'user', content: 'Where does my sister live?' }],
      },
    });
    // The token is for the api's default challenge, so the api can redeem it.
    const token = decodeToken(parseAuthorization(platform.seen.innerChat!.authorization));
    expect(Buffer.from(token.challengeDigest)).toEqual(challengeDigest(defaultChallenge('twinproof')));
  });

  it('carries the api’s own error code from the inner response (party: api)', async () => {
    platform.behaviour = 'api-error';
    const { events } = await chatOnce();
    const error = await rejection(collect(events));

    expect(error).toMatchObject({ code: 'TOKEN_SPENT', party: 'api', status: 401 });
  });

  it('refuses a response changed on the way (AEAD), showing none of it', async () => {
    platform.behaviour = 'tamper';
    const { events } = await chatOnce();
    const shown: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const event of events) if (event.type === 'delta') shown.push(event.text);
      })(),
    );

    expect(error.code).toBe('RESPONSE_INVALID');
    expect(error.message).toMatch(/does not open/);
    expect(shown).toEqual([]);
  });

  it('refuses a response cut before its final chunk', async () => {
    platform.behaviour = 'cut';
    const { events } = await chatOnce();

    expect((await rejection(collect(events))).message).toMatch(/cut before its final chunk/);
  });

  it('names the relay or the gateway when either refuses the outer request', async () => {
    platform.behaviour = 'relay-429';
    let { events } = await chatOnce();
    expect(await rejection(collect(events))).toMatchObject({
      code: 'RELAY_ERROR',
      party: 'relay',
      status: 429,
    });

    platform.behaviour = 'gateway-400';
    ({ events } = await chatOnce());
    const error = await rejection(collect(events));
    expect(error).toMatchObject({ code: 'GATEWAY_ERROR', party: 'gateway', status: 400 });
    expect(error.message).toContain('OHTTP_UNREADABLE');
  });

  it('fetches the bundle through the relay with the session key, and verifies exactly the text streamed', async () => {
    const route = await client.route();
    const bundle = await client.bundle(route, INFERENCE_ID, SESSION_KEY);

    const verified = await client.verifyReply(route, bundle, REPLY, { expectedInferenceId: INFERENCE_ID });
    expect(verified).toMatchObject({ ok: true, signer: standIn.node.address, servedByGateway: true });

    const altered = await client.verifyReply(route, bundle, `${REPLY} (edited)`);
    expect(altered.ok).toBe(false);
    expect(altered.problem).toMatch(/^output-hash/);

    const wrongKey = await rejection(client.bundle(route, INFERENCE_ID, 'someone-else'));
    expect(wrongKey).toMatchObject({ code: 'UNAUTHORIZED', party: 'api', status: 401 });
  });

  it('accepts a reply another attested node signed, saying it was not the gateway’s node', async () => {
    const route = await client.route();
    const other = Wallet.createRandom();
    const bundle = platform.bundle;
    const receipt = { ...(bundle.receipt as Receipt), node: other.address };
    const document = await standIn.authority.issue({
      nodeAddress: other.address,
      measurement: devMeasurement('twinproof-node@test'),
      validForMs: 24 * HOUR,
      issuedAt: new Date(NOW.getTime() - 2 * HOUR),
    });
    const signedByOther: ProofBundle = {
      ...bundle,
      receipt,
      digest: receiptDigest(receipt, 3),
      signature: await signReceipt(other, receipt),
      signer: other.address,
      attestation: { kind: 'dev', document, measurement: null, verified: true },
    };

    expect(await client.verifyReply(route, signedByOther, REPLY)).toMatchObject({
      ok: true,
      signer: other.address,
      servedByGateway: false,
    });
    // The same receipt with the gateway's attestation: the attestation does not bind its signer.
    const unbound = await client.verifyReply(
      route,
      { ...signedByOther, attestation: bundle.attestation },
      REPLY,
    );
    expect(unbound.ok).toBe(false);
    expect(unbound.problem).toMatch(/^attestation/);
  });

  it('follows the proof through the relay until anchored', async () => {
    const route = await client.route();
    const updates: string[] = [];
    for await (const update of client.watchProof(route, INFERENCE_ID, SESSION_KEY, {
      timeoutMs: 1000,
      intervalMs: 10,
    }))
      updates.push(update.status);

    expect(updates).toEqual(['anchored']);
  });
});
