// The private-chat command's logic, apart from its process: `runPrivateChat(argv)` returns the exit code and writes
// through the given output, so tests drive it with argv exactly as `npm run private-chat -- …` would.
import { type AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';
import {
  type ChatMessage,
  type FetchLike,
  MAX_TOKENS_PER_CALL,
  PrivateChatClient,
  PrivateChatError,
  type PrivateRoute,
  type ReplyVerification,
} from '@app/privacy/client';
import type { ProofBundle } from '@app/receipts';
import { releaseZkResources } from '@app/zk';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run private-chat -- --relay <url> --persona <slug> [options]
  --relay <url>                the Oblivious HTTP relay to send through (GET /v1/privacy/relays lists them); it must
                               be run by another operator than the gateway's node
  --persona <slug>             whom to talk to
  --api <url>                  the api: directory, tokens (default: this machine's api, PUBLIC_URL or http://HOST:PORT
                               from its configuration)
  --key <api key>              your key, used only to obtain blind tokens (default: TWINPROOF_API_KEY, else the demo
                               creator's, DATA_DIR/demo-creator.json as npm start writes it)
  --message <text>             one turn; without it, each line read from stdin is a turn
  --node <id>                  the gateway node (default: the first verified one of another operator than the relay's)
  --allow-same-operator        accept a relay and a gateway of one operator (who could then see who and what)
  --allow-unlisted-relay       accept a relay missing from the registry (its operator is unknown)
  --trust-dev-authority <0x..> accept development attestations from this dev CA (repeatable; this machine's dev CA in
                               DATA_DIR is trusted when present)
  --proof-wait-s <s>           how long to follow each reply's proof until anchored (default 30; 0: not at all)
  --json                       one JSON object per turn instead of text`;

/** 0: every reply verified and shown; 1: a reply failed its checks (not shown); 2: not run, or stopped by an error. */
export type ExitCode = 0 | 1 | 2;

export interface ChatIo {
  out(line: string): void;
  err(line: string): void;
  /** The turns when --message is not given (default: stdin's lines). */
  lines?(): AsyncIterable<string> | Iterable<string>;
}

export interface ChatDeps {
  config?: AppConfig;
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
  now?: () => Date;
}

const consoleIo: ChatIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** A problem that stops the command before anything was sent: said in one line, exit code 2. */
export class UsageError extends Error {}

export interface ChatOptions {
  relay: string;
  persona: string;
  api: string;
  key: string;
  message?: string;
  node?: string;
  allowSameOperator: boolean;
  allowUnlisted: boolean;
  trustDevAuthorities: string[];
  proofWaitS: number;
  json: boolean;
}

export async function runPrivateChat(
  argv: string[],
  io: ChatIo = consoleIo,
  deps: ChatDeps = {},
): Promise<ExitCode> {
  try {
    const config = deps.config ?? AppConfig.fromProcessEnv();
    const parsed = parseChatArgs(argv, config, deps.env ?? process.env);
    if (parsed === 'help') {
      io.out(USAGE);
      return 0;
    }
    return await chat(parsed, io, config, deps);
  } catch (error) {
    io.err(describe(error));
    return 2;
  } finally {
    await releaseZkResources();
  }
}

/** argv → options, with the defaults applied; 'help' for --help. Throws UsageError with the usage text. */
export function parseChatArgs(
  argv: string[],
  config: AppConfig,
  env: Record<string, string | undefined>,
): ChatOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        relay: { type: 'string' },
        persona: { type: 'string' },
        api: { type: 'string' },
        key: { type: 'string' },
        message: { type: 'string' },
        node: { type: 'string' },
        'allow-same-operator': { type: 'boolean' },
        'allow-unlisted-relay': { type: 'boolean' },
        'trust-dev-authority': { type: 'string', multiple: true },
        'proof-wait-s': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  if (values.help) return 'help';
  const missing = (['relay', 'persona'] as const).filter((name) => !values[name]);
  if (missing.length)
    throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(' and ')}.\n${USAGE}`);
  const proofWaitS = values['proof-wait-s'] === undefined ? 30 : Number(values['proof-wait-s']);
  if (!Number.isFinite(proofWaitS) || proofWaitS < 0)
    throw new UsageError(`--proof-wait-s ${values['proof-wait-s']} is not a number of seconds.`);
  if (values.message !== undefined && values.message.trim() === '')
    throw new UsageError('--message is empty.');
  const key = values.key ?? (env.TWINPROOF_API_KEY || undefined) ?? localDemoKey(config);
  if (!key)
    throw new UsageError(
      'No api key: pass --key <api key>, set TWINPROOF_API_KEY, or run npm start (it writes the demo key to DATA_DIR). The key only buys blind tokens: the chat itself carries no identity.',
    );
  return {
    relay: values.relay!,
    persona: values.persona!,
    api: (values.api ?? config.publicUrl).replace(/\/+$/, ''),
    key,
    message: values.message,
    node: values.node,
    allowSameOperator: values['allow-same-operator'] ?? false,
    allowUnlisted: values['allow-unlisted-relay'] ?? false,
    trustDevAuthorities: values['trust-dev-authority'] ?? [],
    proofWaitS,
    json: values.json ?? false,
  };
}

/** The demo creator's key, where npm start writes it: DATA_DIR, as verify-cli reads it. */
function localDemoKey(config: AppConfig): string | undefined {
  const file = join(config.dataDir, 'demo-creator.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: string }).apiKey;
}

async function attestationPolicy(
  options: ChatOptions,
  config: AppConfig,
  io: ChatIo,
): Promise<AttestationPolicy> {
  const devAuthorities = [...options.trustDevAuthorities];
  const localCa = config.node.devCaFile;
  if (existsSync(localCa)) {
    const local = await DevAttestationAuthority.loadOrCreate(localCa);
    devAuthorities.push(local.address);
    io.err(
      `Trusting this machine's development CA ${local.address} (${localCa}): dev attestations prove no hardware.`,
    );
  }
  return { now: new Date(), devAuthorities, allowedMeasurements: null };
}

/** Tokens bought a few at a time: buying one per turn would tell the api when each private turn is sent. */
class TokenPurse {
  private tokens: Uint8Array[] = [];

  constructor(
    private readonly client: PrivateChatClient,
    private readonly apiKey: string,
    private readonly batch: number,
  ) {}

  async take(): Promise<Uint8Array> {
    if (this.tokens.length === 0) this.tokens = await this.client.obtainTokens(this.apiKey, this.batch);
    return this.tokens.shift()!;
  }
}

async function chat(options: ChatOptions, io: ChatIo, config: AppConfig, deps: ChatDeps): Promise<ExitCode> {
  const client = new PrivateChatClient({
    apiUrl: options.api,
    relayUrl: options.relay,
    attestationPolicy: await attestationPolicy(options, config, io),
    fetch: deps.fetch,
    now: deps.now,
  });
  const routeOptions = {
    nodeId: options.node,
    allowSameOperator: options.allowSameOperator,
    allowUnlisted: options.allowUnlisted,
  };
  let route = await client.route(routeOptions);
  describeRoute(route, options, io);
  const purse = new TokenPurse(client, options.key, options.message ? 1 : Math.min(4, MAX_TOKENS_PER_CALL));
  const history: ChatMessage[] = [];
  const turns = options.message ? [options.message] : nonEmpty(io.lines?.() ?? stdinLines());
  for await (const text of turns) {
    if (!client.isFresh(route)) route = await client.route(routeOptions);
    history.push({ role: 'user', content: text });
    const shown = await turn(client, route, await purse.take(), history, options, io);
    if (!shown) return 1;
    history.push({ role: 'assistant', content: shown });
  }
  return 0;
}

/** One turn; returns the reply shown, or null when it failed its checks and was not shown. */
async function turn(
  client: PrivateChatClient,
  route: PrivateRoute,
  token: Uint8Array,
  messages: ChatMessage[],
  options: ChatOptions,
  io: ChatIo,
): Promise<string | null> {
  const started = Date.now();
  let firstPieceMs: number | null = null;
  let pieces = 0;
  let done: { inferenceId: string; conversationId: string; content: string; sessionKey: string } | null =
    null;
  for await (const event of client.chat({
    route,
    token,
    persona: options.persona,
    messages: [...messages],
  })) {
    if (event.type === 'delta') {
      pieces += 1;
      firstPieceMs ??= Date.now() - started;
    } else done = event;
  }
  if (!done)
    throw new PrivateChatError('STREAM_INCOMPLETE', 'The reply ended without its final chunk.', 'api');
  const totalMs = Date.now() - started;
  const bundle = await bundleWhenSigned(client, route, done.inferenceId, done.sessionKey);
  const result = await client.verifyReply(route, bundle, done.content, {
    expectedInferenceId: done.inferenceId,
  });
  const timing = { firstPieceMs, pieces, totalMs };
  if (!result.ok) {
    if (options.json) io.out(JSON.stringify(turnJson(done, result, timing, [], false)));
    io.err(
      `NOT SHOWN: the reply to this turn failed verification (${result.problem}). Inference ${done.inferenceId}; nothing of it is displayed.`,
    );
    return null;
  }
  if (!options.json) {
    io.out(done.content);
    io.out(`  ✓ verified: ${signerLine(result)}`);
    io.out(
      `  first piece after ${firstPieceMs ?? totalMs} ms, ${pieces} piece${pieces === 1 ? '' : 's'}, ${totalMs} ms in all (through the relay)`,
    );
  }
  const proof: string[] = [];
  if (options.proofWaitS > 0) {
    for await (const update of client.watchProof(route, done.inferenceId, done.sessionKey, {
      until: 'anchored',
      timeoutMs: options.proofWaitS * 1000,
    })) {
      proof.push(update.status);
      const tx = update.inference.batch?.txHash;
      if (!options.json) io.out(`  proof: ${update.status}${tx ? ` (tx ${tx})` : ''}`);
    }
    const last = proof[proof.length - 1];
    if (last !== 'anchored' && !options.json)
      io.err(
        `  proof still ${last ?? 'unknown'} after ${options.proofWaitS} s: check later with npm run verify -- ${done.inferenceId} --key <the session key, in --json output>`,
      );
  }
  if (options.json) io.out(JSON.stringify(turnJson(done, result, timing, proof, true)));
  return done.content;
}

/** The receipt is stored as the reply ends; a read racing that write gets 404 for a moment, not a failure. */
async function bundleWhenSigned(
  client: PrivateChatClient,
  route: PrivateRoute,
  inferenceId: string,
  sessionKey: string,
): Promise<ProofBundle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.bundle(route, inferenceId, sessionKey);
    } catch (error) {
      const notYet = error instanceof PrivateChatError && error.party === 'api' && error.status === 404;
      if (!notYet || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

function turnJson(
  done: { inferenceId: string; conversationId: string; content: string; sessionKey: string },
  result: ReplyVerification,
  timing: { firstPieceMs: number | null; pieces: number; totalMs: number },
  proof: string[],
  shown: boolean,
) {
  return {
    reply: shown ? done.content : null,
    verified: result.ok,
    problem: result.problem ?? null,
    inferenceId: done.inferenceId,
    conversationId: done.conversationId,
    sessionKey: done.sessionKey,
    signer: result.signer,
    servedByGateway: result.servedByGateway,
    checks: result.verification.checks,
    ...timing,
    proof,
  };
}

function signerLine(result: ReplyVerification): string {
  const attestation = result.verification.checks.find((check) => check.check === 'attestation');
  const where = result.servedByGateway ? "the gateway's node" : 'another attested node than the gateway';
  return `signed by ${result.signer} (${where}); ${attestation?.detail ?? ''}`;
}

function describeRoute(route: PrivateRoute, options: ChatOptions, io: ChatIo): void {
  for (const warning of route.warnings) io.err(`Warning: ${warning}`);
  const relayBy = route.relay ? `run by @${route.relay.operator.handle}` : 'unlisted';
  const gateway = route.gateway;
  const line = `Private route: relay ${route.relayUrl} (${relayBy}) → gateway node ${gateway.nodeId} (${gateway.nodeAddress}, ${gateway.attestation.kind} attestation, keys until ${gateway.keysExpireAt.toISOString()})`;
  if (options.json) io.err(line);
  else io.out(line);
}

async function* nonEmpty(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  for await (const line of lines) if (line.trim()) yield line;
}

function stdinLines(): AsyncIterable<string> {
  return createInterface({ input: process.stdin, terminal: false });
}

function describe(error: unknown): string {
  if (error instanceof PrivateChatError) {
    const hint =
      error.code === 'DIRECTORY_UNAVAILABLE' && error.party === 'client'
        ? ' Is it running? Name it with --api <url>.'
        : error.code === 'SAME_OPERATOR'
          ? ' (--allow-same-operator accepts it, knowingly)'
          : error.code === 'UNLISTED_RELAY'
            ? ' (--allow-unlisted-relay accepts it, knowingly)'
            : error.code === 'TOKEN_SPENT' || error.code === 'TOKEN_INVALID'
              ? ' (tokens are single-use: run the command again for new ones)'
              : '';
    return `${error.code}: ${error.message}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}
