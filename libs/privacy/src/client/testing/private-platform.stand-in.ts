// A stand-in for the relay, gateway and api of private chat, for the client's and the CLI's specs: the real OHTTP,
// Binary HTTP, Privacy Pass and receipt libraries, no crypto stood in for; fetch goes to it instead of the network.
import { type AttestationPolicy, DevAttestationAuthority, devMeasurement } from '@app/attestation';
import { signGatewayKeys } from '@app/privacy/gateway/key-binding';
import {
  BhttpResponseStreamEncoder,
  decapsulateRequest,
  decodeRequest,
  encodeKeyConfigs,
  encodeResponse,
  generateGatewayKey,
  type GatewayKey,
  MEDIA,
  openChunkedRequest,
} from '@app/privacy/ohttp';
import { blindSign, verify } from '@app/privacy/tokens/blind-rsa';
import {
  AUTHENTICATOR_INPUT_LENGTH,
  decodeTokenRequest,
  issuerSpki,
  parseAuthorization,
} from '@app/privacy/tokens/token';
import {
  commitInput,
  commitText,
  NO_PREFIX,
  type BundleBatch,
  type ProofBundle,
  type Receipt,
  RECEIPT_DOMAINS,
  receiptDigest,
  receiptTypes,
  signReceipt,
} from '@app/receipts';
import { buildBatchTree } from '@app/settlement';
import { type HDNodeWallet, Wallet } from 'ethers';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GatewayEntry, RelayEntry } from '../directory.types';

export const API = 'http://api.test';
export const RELAY = 'http://relay.test';
export const NOW = new Date('2031-03-01T12:00:00Z');
export const HOUR = 3600_000;
export const SESSION_KEY = 'tp_private_session_key';
export const CONSUMER_KEY = 'tp_consumer';
export const INFERENCE_ID = '6f1c2b9e-8d7a-4c3b-9a1e-2f3d4c5b6a79';
export const CONVERSATION_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
export const PIECES = ['Lisbon ', 'is lovely ', 'in spring. 🌸'];
export const REPLY = PIECES.join('');

/** What the fake platform does with the next sealed chat request. */
interface InnerChat {
  path: string;
  authorization: string;
  body: Record<string, unknown>;
}

export type ChatBehaviour = 'stream' | 'api-error' | 'tamper' | 'cut' | 'relay-429' | 'gateway-400';

/**
 * The relay, gateway and api of a private chat, in this process, on the OHTTP and Privacy Pass libraries themselves
 * (no crypto is stood in for): fetch goes to it. It records what each party received.
 */
export class FakePlatform {
  behaviour: ChatBehaviour = 'stream';
  readonly seen: { innerChat?: InnerChat } = {};
  /** Every chat request the gateway opened, in order. */
  readonly innerChats: InnerChat[] = [];
  issuedTokens = 0;
  /** Answers 404 to this many bundle reads first, as the api does until the receipt is stored. */
  bundleMisses = 0;
  /** Added to the bundle once a status read said anchored, as the api does; each new chat starts unanchored. */
  anchoredBatch: BundleBatch | null = null;
  /** The public RPC URL `GET /v1/chain` names (nothing listens there unless a test starts it). */
  chainRpcUrl = 'http://127.0.0.1:9/rpc';
  /** The authorization each `GET /v1/chain` through the gateway carried ('' for none). */
  readonly chainReads: string[] = [];
  /** What `GET /v1/inferences/:id` says of the proof. */
  proofStatus = 'anchored';
  private statusRead = false;

  constructor(
    readonly gatewayKey: GatewayKey,
    readonly entry: GatewayEntry,
    readonly relays: RelayEntry[],
    readonly issuer: { privateKey: KeyObject; publicKey: KeyObject },
    public bundle: ProofBundle,
  ) {}

  fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init.method ?? 'GET';
    const body =
      typeof init.body === 'string'
        ? new TextEncoder().encode(init.body)
        : new Uint8Array((init.body as Uint8Array | undefined) ?? []);
    const json = (value: unknown, status = 200) =>
      new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
    if (url === `${API}/v1/privacy/gateways`) return json({ data: [this.entry] });
    if (url === `${API}/v1/privacy/relays`) return json({ data: this.relays });
    if (url === `${API}/v1/privacy/token-issuer`)
      return json({
        'issuer-request-uri': '/v1/privacy/tokens',
        'token-keys': [
          { 'token-type': 2, 'token-key': issuerSpki(this.issuer.publicKey).toString('base64url') },
        ],
      });
    if (url === `${API}/v1/privacy/tokens` && method === 'POST') {
      if (new Headers(init.headers).get('authorization') !== `Bearer ${CONSUMER_KEY}`)
        return json({ error: { code: 'UNAUTHORIZED', message: 'sign in' } }, 401);
      const { tokenRequests } = JSON.parse(Buffer.from(body).toString('utf8')) as { tokenRequests: string[] };
      this.issuedTokens += tokenRequests.length;
      return json({
        tokenResponses: tokenRequests.map((request) =>
          Buffer.from(
            blindSign(
              this.issuer.privateKey,
              decodeTokenRequest(Buffer.from(request, 'base64url')).blindedMsg,
            ),
          ).toString('base64url'),
        ),
      });
    }
    if (url === `${RELAY}/gateways/${this.entry.nodeId}` && method === 'POST') {
      const type = new Headers(init.headers).get('content-type');
      if (this.behaviour === 'relay-429')
        return json({ error: { code: 'RATE_LIMITED', message: 'Too many requests from this address' } }, 429);
      if (this.behaviour === 'gateway-400')
        return new Response(
          JSON.stringify({
            title: 'unreadable',
            error: { code: 'OHTTP_UNREADABLE', message: 'The gateway could not decapsulate this request.' },
          }),
          {
            status: 400,
            headers: { 'content-type': 'application/problem+json' },
          },
        );
      return type === MEDIA.chunkedRequest ? this.chunked(body) : this.single(body);
    }
    return json({ error: { code: 'NOT_FOUND', message: `${method} ${url}` } }, 404);
  };

  private async chunked(body: Uint8Array): Promise<Response> {
    const opened = await openChunkedRequest(
      [this.gatewayKey],
      Readable.from([body]) as AsyncIterable<Uint8Array>,
    );
    const pieces: Uint8Array[] = [];
    for await (const chunk of opened.chunks) pieces.push(chunk);
    const inner = decodeRequest(Buffer.concat(pieces));
    const authorization = inner.headers.get('authorization') ?? '';
    this.seen.innerChat = {
      path: new URL(inner.url).pathname,
      authorization,
      body: (await inner.json()) as Record<string, unknown>,
    };
    this.innerChats.push(this.seen.innerChat);
    this.statusRead = false;
    const token = parseAuthorization(authorization);
    const valid = verify(
      this.issuer.publicKey,
      token.subarray(0, AUTHENTICATOR_INPUT_LENGTH),
      token.subarray(AUTHENTICATOR_INPUT_LENGTH),
    );
    const encoder = new BhttpResponseStreamEncoder();
    const text = (value: string) => new TextEncoder().encode(value);
    const plain: Uint8Array[] = [];
    if (!valid || this.behaviour === 'api-error') {
      plain.push(encoder.head(401, new Headers({ 'content-type': 'application/json' })));
      plain.push(
        encoder.content(
          text(
            JSON.stringify({ error: { code: 'TOKEN_SPENT', message: 'This token was already redeemed.' } }),
          ),
        ),
      );
    } else {
      plain.push(
        encoder.head(
          200,
          new Headers({ 'content-type': 'text/event-stream', 'x-private-session-key': SESSION_KEY }),
        ),
      );
      for (const [index, piece] of PIECES.entries()) {
        const delta = {
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: index ? { content: piece } : { role: 'assistant', content: piece } }],
        };
        plain.push(encoder.content(text(`data: ${JSON.stringify(delta)}\n\n`)));
      }
      const final = {
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        inference_id: INFERENCE_ID,
        conversation_id: CONVERSATION_ID,
      };
      plain.push(encoder.content(text(`data: ${JSON.stringify(final)}\n\ndata: [DONE]\n\n`)));
    }
    plain.push(encoder.end());
    const sealed: Uint8Array[] = [opened.response.header];
    for (const [index, piece] of plain.entries())
      sealed.push(await opened.response.seal(piece, index === plain.length - 1));
    if (this.behaviour === 'tamper') sealed[2][sealed[2].length - 1] ^= 0x01;
    if (this.behaviour === 'cut') sealed.pop();
    return new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const piece of sealed) controller.enqueue(piece);
          controller.close();
        },
      }),
      { headers: { 'content-type': MEDIA.chunkedResponse } },
    );
  }

  private async single(body: Uint8Array): Promise<Response> {
    const opened = await decapsulateRequest([this.gatewayKey], body);
    const inner = decodeRequest(opened.request);
    const path = new URL(inner.url).pathname;
    if (path === '/v1/chain') {
      this.chainReads.push(inner.headers.get('authorization') ?? '');
      const chain = Response.json({ chainId: 31337, rpcUrl: this.chainRpcUrl, anchorContract: null });
      return new Response(await opened.response.seal(await encodeResponse(chain)), {
        headers: { 'content-type': MEDIA.response },
      });
    }
    const authorized = inner.headers.get('authorization') === `Bearer ${SESSION_KEY}`;
    const missing = path.endsWith('/bundle') && this.bundleMisses > 0;
    if (missing) this.bundleMisses -= 1;
    const answer = missing
      ? Response.json({ error: { code: 'NOT_FOUND', message: 'Inference not found' } }, { status: 404 })
      : !authorized
        ? Response.json({ error: { code: 'UNAUTHORIZED', message: 'no session' } }, { status: 401 })
        : path === `/v1/inferences/${INFERENCE_ID}/bundle`
          ? Response.json(
              this.statusRead && this.anchoredBatch
                ? { ...this.bundle, status: 'anchored', batch: this.anchoredBatch }
                : this.bundle,
            )
          : path === `/v1/inferences/${INFERENCE_ID}`
            ? ((this.statusRead = this.proofStatus === 'anchored'),
              Response.json({
                id: INFERENCE_ID,
                status: this.proofStatus,
                batch: this.proofStatus === 'anchored' ? { txHash: '0xabc' } : null,
              }))
            : Response.json({ error: { code: 'NOT_FOUND', message: path } }, { status: 404 });
    return new Response(await opened.response.seal(await encodeResponse(answer)), {
      headers: { 'content-type': MEDIA.response },
    });
  }
}

export interface StandIn {
  platform: FakePlatform;
  policy: AttestationPolicy;
  node: HDNodeWallet;
  authority: DevAttestationAuthority;
}

/** A platform whose one gateway node (operator `nodeOperator`) is attested by a fresh dev CA, behind one relay. */
export async function createStandIn(
  options: { nodeOperator?: string | null; relayOperator?: string } = {},
): Promise<StandIn> {
  const authority = DevAttestationAuthority.random();
  const node = Wallet.createRandom();
  const policy: AttestationPolicy = {
    now: NOW,
    allowedMeasurements: null,
    devAuthorities: [authority.address],
  };
  const gatewayKey = await generateGatewayKey(1);
  const signed = await signGatewayKeys(
    node,
    encodeKeyConfigs([gatewayKey.config]),
    new Date(NOW.getTime() + HOUR),
  );
  const attestation = {
    kind: 'dev' as const,
    document: await authority.issue({
      nodeAddress: node.address,
      measurement: devMeasurement('twinproof-node@test'),
      validForMs: 24 * HOUR,
      issuedAt: new Date(NOW.getTime() - 2 * HOUR),
    }),
  };
  const salt = `0x${'5a'.repeat(32)}`;
  const input = [{ role: 'user', content: 'Where does my sister live?' }];
  const receipt: Receipt = {
    inferenceId: INFERENCE_ID,
    conversationId: CONVERSATION_ID,
    previousDigest: `0x${'00'.repeat(32)}`,
    node: node.address,
    modelId: 'twinproof-embedded',
    personaVersionHash: `0x${'ab'.repeat(32)}`,
    inputHash: commitInput(salt, input),
    outputHash: commitText(salt, REPLY),
    promptTokens: 12,
    completionTokens: 7,
    startedAt: NOW.getTime() - HOUR,
    finishedAt: NOW.getTime() - HOUR + 1000,
    ...NO_PREFIX,
  };
  const bundle: ProofBundle = {
    version: 1,
    inferenceId: INFERENCE_ID,
    status: 'attested',
    domain: RECEIPT_DOMAINS[3],
    types: receiptTypes(3),
    receipt,
    digest: receiptDigest(receipt, 3),
    signature: await signReceipt(node, receipt),
    signer: node.address,
    attestation: { ...attestation, measurement: null, verified: true },
    batch: null,
    zk: null,
    spotCheck: null,
    content: REPLY,
    input,
    salt,
  };
  const tree = buildBatchTree([bundle.digest]);
  const batch: BundleBatch = {
    root: tree.root,
    ...tree.proofFor(bundle.digest),
    chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    txHash: `0x${'ab'.repeat(32)}`,
    blockNumber: 7,
  };
  const platform = new FakePlatform(
    gatewayKey,
    {
      nodeId: 'node-1',
      nodeAddress: node.address,
      operatorId: options.nodeOperator === undefined ? 'op-node' : options.nodeOperator,
      gatewayUrl: '/v1/privacy/ohttp',
      keyConfig: signed.keyConfig,
      keySignature: signed.signature,
      keysExpireAt: signed.expiresAt,
      attestation,
    },
    [
      {
        id: 'r1',
        url: RELAY,
        name: 'relay',
        operator: { id: options.relayOperator ?? 'op-relay', handle: 'relayco' },
      },
    ],
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
    bundle,
  );
  platform.anchoredBatch = batch;
  return { platform, policy, node, authority };
}
