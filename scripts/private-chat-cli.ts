// The private-chat command's logic, apart from its process: `runPrivateChat(argv)` returns the exit code and writes
// through the given output, so tests drive it with argv exactly as `npm run private-chat -- …` would.
import { type AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';
import {
  type ChatMessage,
  type FetchLike,
  PrivateChatClient,
  PrivateChatError,
  type PrivateRoute,
  type ReplyVerification,
} from '@app/privacy/client';
import type { ProofBundle } from '@app/receipts';
import { releaseZkResources } from '@app/zk';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type ChatOptions, parseChatArgs, UsageError, USAGE } from './private-chat-options';
import {
  type ChainReaderFactory,
  OnChainCheck,
  onChainLines,
  type OnChainResult,
} from './private-chat-proof';
import { TokenSupply } from './private-chat-tokens';

export { parseChatArgs, UsageError, USAGE } from './private-chat-options';
export type { ChatOptions, KeySource } from './private-chat-options';

/**
 * 0: every reply verified and shown; 1: a reply failed its checks (not shown) or its proof failed on chain;
 * 2: a usage error, nothing run; 3: stopped by a failure of the api, relay, gateway, route or tokens.
 */
export type ExitCode = 0 | 1 | 2 | 3;

export interface ChatIo {
  out(line: string): void;
  err(line: string): void;
  /** The turns when --message is not given (default: stdin's lines). */
  lines?(): AsyncIterable<string> | Iterable<string>;
  /** A person at a terminal: prompted for each turn, and not kept waiting long on proofs between turns. */
  tty?: boolean;
  /** Shows the prompt for the next turn (a terminal only). */
  prompt?(): void;
}

export interface ChatDeps {
  config?: AppConfig;
  env?: Record<string, string | undefined>;
  fetch?: FetchLike;
  now?: () => Date;
  /** How the chain is read once a proof is anchored (default: ChainReader on GET /v1/chain's public RPC URL). */
  chainReader?: ChainReaderFactory;
}

/** On a terminal the next turn is not held up longer than this by a proof still settling. */
const TTY_PROOF_WAIT_S = 5;

function consoleIo(): ChatIo {
  const tty = Boolean(process.stdin.isTTY);
  let reader: ReturnType<typeof createInterface> | undefined;
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    tty,
    lines: () => {
      reader = createInterface({ input: process.stdin, output: process.stderr, terminal: tty });
      reader.setPrompt('you> ');
      return reader;
    },
    prompt: () => reader?.prompt(),
  };
}

/** Whether the current turn's token already left: a failure then costs it, which the user is told. */
interface RunState {
  tokenSent: boolean;
}

export async function runPrivateChat(
  argv: string[],
  io: ChatIo = consoleIo(),
  deps: ChatDeps = {},
): Promise<ExitCode> {
  const state: RunState = { tokenSent: false };
  const json = argv.includes('--json');
  try {
    const config = deps.config ?? AppConfig.fromProcessEnv();
    const parsed = parseChatArgs(argv, config, deps.env ?? process.env);
    if (parsed === 'help') {
      io.out(USAGE);
      return 0;
    }
    return await chat(parsed, io, config, deps, state);
  } catch (error) {
    const failure = describe(error, state);
    if (json) io.out(JSON.stringify({ error: failure }));
    io.err(failure.code === 'USAGE' ? failure.message : `${failure.code}: ${failure.message}`);
    return error instanceof UsageError ? 2 : 3;
  } finally {
    await releaseZkResources();
  }
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

async function chat(
  options: ChatOptions,
  io: ChatIo,
  config: AppConfig,
  deps: ChatDeps,
  state: RunState,
): Promise<ExitCode> {
  const client = new PrivateChatClient({
    apiUrl: options.api,
    relayUrl: options.relay ?? options.api,
    attestationPolicy: await attestationPolicy(options, config, io),
    fetch: deps.fetch,
    now: deps.now,
  });
  const tokens = new TokenSupply(client, options, (line) => io.err(line));
  if (options.buyTokens !== undefined) {
    const held = await tokens.buy(options.buyTokens);
    io.err(`bought ${options.buyTokens} tokens; ${tokens.wallet.file} holds ${held} for ${options.api}`);
    if (options.json) io.out(JSON.stringify({ bought: options.buyTokens, held, file: tokens.wallet.file }));
    return 0;
  }
  const routeOptions = {
    nodeId: options.node,
    allowSameOperator: options.allowSameOperator,
    allowUnlisted: options.allowUnlisted,
  };
  let route = await client.route(routeOptions);
  describeRoute(route, options, io);
  const onChain = new OnChainCheck(client, deps.chainReader);
  const interactive = !options.message && io.tty === true;
  if (interactive) io.err('Type a message and Enter for each turn; Ctrl-D to end.');
  const history: ChatMessage[] = [];
  const turns = options.message ? [options.message] : nonEmpty(io.lines?.() ?? stdinLines(), io);
  let code: ExitCode = 0;
  if (interactive) io.prompt?.();
  for await (const text of turns) {
    if (!client.isFresh(route)) route = await client.route(routeOptions);
    history.push({ role: 'user', content: text });
    const token = await tokens.take();
    state.tokenSent = true;
    const shown = await turn(client, route, token, history, options, io, onChain, interactive);
    state.tokenSent = false;
    if (!shown) return 1;
    if (!shown.proofOk) code = 1;
    history.push({ role: 'assistant', content: shown.content });
    if (interactive) io.prompt?.();
  }
  return code;
}

interface Done {
  inferenceId: string;
  conversationId: string;
  content: string;
  sessionKey: string;
}

/** One turn; the reply shown (and whether its proof held on chain), or null when it failed its checks. */
async function turn(
  client: PrivateChatClient,
  route: PrivateRoute,
  token: Uint8Array,
  messages: ChatMessage[],
  options: ChatOptions,
  io: ChatIo,
  onChain: OnChainCheck,
  interactive: boolean,
): Promise<{ content: string; proofOk: boolean } | null> {
  const started = Date.now();
  let firstPieceMs: number | null = null;
  let pieces = 0;
  let done: Done | null = null;
  for await (const event of client.chat({
    route,
    token,
    persona: options.persona!,
    messages: [...messages],
  })) {
    if (event.type === 'delta') {
      pieces += 1;
      firstPieceMs ??= Date.now() - started;
    } else done = event;
  }
  if (!done)
    throw new PrivateChatError('STREAM_INCOMPLETE', 'The reply ended without its final chunk.', 'api');
  const finished = done;
  const totalMs = Date.now() - started;
  const readBundle = () => bundleWhenSigned(client, route, finished.inferenceId, finished.sessionKey);
  const result = await client.verifyReply(route, await readBundle(), done.content, {
    expectedInferenceId: done.inferenceId,
  });
  const timing = { firstPieceMs, pieces, totalMs };
  if (!result.ok) {
    if (options.json) io.out(JSON.stringify(turnJson(done, result, timing, [], false, null)));
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
  let anchored: OnChainResult | null = null;
  const waitS = interactive ? Math.min(options.proofWaitS, TTY_PROOF_WAIT_S) : options.proofWaitS;
  const verifyHint = `npm run verify -- ${done.inferenceId} --key ${done.sessionKey}`;
  if (waitS > 0) {
    for await (const update of client.watchProof(route, done.inferenceId, done.sessionKey, {
      until: 'anchored',
      timeoutMs: waitS * 1000,
    })) {
      proof.push(update.status);
      const tx = update.inference.batch?.txHash;
      if (!options.json) io.out(`  proof: ${update.status}${tx ? ` (tx ${tx})` : ''}`);
    }
    const last = proof[proof.length - 1];
    if (last === 'anchored') {
      anchored = await onChain.check(route, done.inferenceId, done.content, readBundle);
      if (!options.json) for (const line of onChainLines(anchored)) io.out(line);
    } else if (!options.json)
      io.err(
        `  proof still ${last ?? 'unknown'} after ${waitS} s: check it later with ${verifyHint} (the session key is your own; it reads only this chat)`,
      );
  }
  if (options.json) io.out(JSON.stringify(turnJson(done, result, timing, proof, true, anchored)));
  return { content: done.content, proofOk: anchored === null || anchored.ok };
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
  done: Done,
  result: ReplyVerification,
  timing: { firstPieceMs: number | null; pieces: number; totalMs: number },
  proof: string[],
  shown: boolean,
  anchored: OnChainResult | null,
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
    onChain: anchored
      ? { ok: anchored.ok, block: anchored.block, check: anchored.check, zk: anchored.zk }
      : null,
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

/** Empty lines are no turns: on a terminal they only show the prompt again. */
async function* nonEmpty(
  lines: AsyncIterable<string> | Iterable<string>,
  io: ChatIo,
): AsyncGenerator<string> {
  for await (const line of lines) {
    if (line.trim()) yield line;
    else if (io.tty) io.prompt?.();
  }
}

function stdinLines(): AsyncIterable<string> {
  return createInterface({ input: process.stdin, terminal: false });
}

interface Failure {
  code: string;
  message: string;
  party: string;
}

function describe(error: unknown, state: RunState): Failure {
  if (error instanceof UsageError) return { code: 'USAGE', message: error.message, party: 'client' };
  if (error instanceof PrivateChatError) {
    const hint =
      error.code === 'DIRECTORY_UNAVAILABLE' && error.party === 'client'
        ? ' Is it running? Name it with --api <url>.'
        : error.code === 'SAME_OPERATOR'
          ? ' (--allow-same-operator accepts it, knowingly)'
          : error.code === 'UNLISTED_RELAY'
            ? ' (--allow-unlisted-relay accepts it, knowingly)'
            : error.code === 'TOKEN_SPENT' || error.code === 'TOKEN_INVALID'
              ? ' (tokens are single-use; the wallet never offers one twice, so run the command again)'
              : error.code === 'NOT_FOUND' && error.party === 'api'
                ? ' (is the persona slug right? find slugs with GET /v1/personas?q=)'
                : '';
    const spent = state.tokenSent ? ' (its token is spent)' : '';
    return { code: error.code, message: `${error.message}${hint}${spent}`, party: error.party };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'FAILED',
    message: `${message}${state.tokenSent ? ' (its token is spent)' : ''}`,
    party: 'client',
  };
}
