import { AppConfig, loadEnv } from '@app/config/app-config';
import { join } from 'node:path';
import type { Slo, TokenCounting } from './metrics';
import { parseSweep, type SweepPlan } from './sweep';

export type TargetKind = 'socket' | 'openai';

export interface LoadOptions {
  url: string;
  target: TargetKind;
  rate: number;
  durationS: number;
  warmupS: number;
  turns: number;
  thinkMs: number;
  /** Undefined: enough users to stay under the per-user send limit (see autoUsers). */
  users?: number;
  persona?: string;
  creatorKey?: string;
  creatorKeyFile: string;
  modelId?: string;
  /** Verification of the created persona; --proofs needs attested or zk to see any proof:update. */
  verification?: 'none' | 'attested' | 'zk';
  keysFile?: string;
  slo: Slo;
  tokens: TokenCounting;
  timeoutS: number;
  proofs: boolean;
  proofsWaitS: number;
  seed: number;
  json?: string;
  setupConcurrency: number;
  perUserPerMinute: number;
  /** --sweep: "auto" or rising rates; each step is a whole run at that rate (load/sweep.ts). */
  sweep?: SweepPlan;
  /** Not a flag: a sweep step skips this many users of --keys-file, those the steps before it used (chat-run.ts). */
  userOffset?: number;
}

export class UsageError extends Error {}

/**
 * The api these tools talk to when not told (chat-load, load:churn, node:roi): the api's own AppConfig.publicUrl,
 * as `npm run verify` uses it (PUBLIC_URL, else http://HOST:PORT, else http://localhost:3000), so a platform on
 * another PORT is found without a flag. Only the three settings it depends on are read, so an unrelated bad setting
 * in the shell does not stop a load run.
 */
export function defaultApiUrl(env: Record<string, string | undefined>): string {
  return new AppConfig(loadEnv({ PUBLIC_URL: env.PUBLIC_URL, HOST: env.HOST, PORT: env.PORT })).publicUrl;
}

/** npm start writes the demo creator's key into DATA_DIR (default .data); read it from there. */
function defaultCreatorKeyFile(env: Record<string, string | undefined>): string {
  return join(env.DATA_DIR || '.data', 'demo-creator.json');
}

/** chat-load's options; the chat-like scenarios of `npm run load` (load/scenarios/) take the same ones. */
export const OPTIONS_HELP = `Target
  --url URL               platform base URL (default: PUBLIC_URL, else http://HOST:PORT as the api has them,
                          else http://localhost:3000)
  --target socket|openai  socket.io /chat (default) or POST /v1/chat/completions with stream: true
Schedule
  --rate R                conversations arriving per second (default 10)
  --duration S            measured seconds (default 30)
  --warmup S              seconds of load before measuring (default 5)
  --turns N               messages per conversation (default 3)
  --think-ms MS           mean think time between a reply and the next message, exponential (default 1000)
  --seed N                seeds arrivals and think times; same seed, same schedule (default 1)
Setup
  --users U               consumer accounts to sign up and spread conversations over (default: enough for
                          --per-user-limit)
  --keys-file PATH        reuse consumer keys from this JSON file and add the ones signed up to it
  --persona SLUG          chat with this persona (default: create an unlisted one with the creator key)
  --creator-key KEY       creator API key (default: TWINPROOF_CREATOR_KEY, then --creator-key-file)
  --creator-key-file PATH (default DATA_DIR/demo-creator.json, written by npm start; DATA_DIR default .data)
  --model-id ID           model of the created persona, e.g. embedded:local (default: the server's default)
  --verification V        none|attested|zk for the created persona (default: the server's default, none);
                          replies of a 'none' persona get no proofs, so use attested with --proofs
  --per-user-limit N      sends per user per minute the server allows (default 30: CHAT_SENDS_PER_MINUTE's default,
                          which counts socket.io sends and OpenAI completions alike)
  --setup-concurrency N   parallel requests during setup (default 16)
Measurement
  --slo-ttft-ms MS        goodput limit on TTFT (default 500; 0 turns it off)
  --slo-tpot-ms MS        goodput limit on TPOT (default 40; 0 turns it off)
  --slo-e2e-ms MS         goodput limit on end-to-end latency (default: none)
  --tokens usage|events   count output tokens as the server's usage figure (default; events where it gives
                          none) or as streamed events (the api sends tokens that arrive together as one event)
  --timeout-s S           give up on a turn after this long (default 60)
  --proofs                also time proof:update events until 'anchored'
  --proofs-wait-s S       how long to wait for outstanding proofs after the run (default 30)
Output
  --json PATH             write every figure and the run's parameters as JSON
  --sweep auto|R1,R2,...  find the knee: one whole run per rate (auto: from --rate, x1.5 per step, until goodput
                          rises less than 5%, at most 10 steps), then the curve offered -> achieved, goodput, TTFT
  --help                  this text
`;

export const USAGE = `Usage: node dist/load/chat-load.js [options]

Open-model load on a running Twinproof platform: conversations arrive as a Poisson process, every latency is
measured from the intended send time (coordinated-omission correction). See load/README.md.

${OPTIONS_HELP}`;

const FLAGS = new Set([
  'url',
  'target',
  'rate',
  'duration',
  'warmup',
  'turns',
  'think-ms',
  'seed',
  'users',
  'keys-file',
  'persona',
  'creator-key',
  'creator-key-file',
  'model-id',
  'verification',
  'per-user-limit',
  'setup-concurrency',
  'slo-ttft-ms',
  'slo-tpot-ms',
  'slo-e2e-ms',
  'tokens',
  'timeout-s',
  'proofs-wait-s',
  'json',
  'sweep',
]);
const SWITCHES = new Set(['proofs', 'help']);

export function parseArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): LoadOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument "${arg}".`);
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (SWITCHES.has(name)) {
      switches.add(name);
      continue;
    }
    if (!FLAGS.has(name)) throw new UsageError(`Unknown option --${name}.`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    values.set(name, value);
  }
  if (switches.has('help')) throw new UsageError('');

  const number = (name: string, fallback: number, check: (n: number) => boolean, what: string): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new UsageError(`--${name} must be ${what}, not "${raw}".`);
    return n;
  };
  const positive = (n: number): boolean => n > 0;
  const nonNegative = (n: number): boolean => n >= 0;
  const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;
  const optionalLimit = (name: string, fallback?: number): number | undefined => {
    const n = number(name, fallback ?? 0, nonNegative, 'a number of ms ≥ 0');
    return n > 0 ? n : undefined;
  };

  const target = values.get('target') ?? 'socket';
  if (target !== 'socket' && target !== 'openai')
    throw new UsageError(`--target must be socket or openai, not "${target}".`);
  const tokens = values.get('tokens') ?? 'usage';
  if (tokens !== 'events' && tokens !== 'usage')
    throw new UsageError(`--tokens must be events or usage, not "${tokens}".`);
  const verification = values.get('verification');
  if (
    verification !== undefined &&
    verification !== 'none' &&
    verification !== 'attested' &&
    verification !== 'zk'
  )
    throw new UsageError(`--verification must be none, attested or zk, not "${verification}".`);
  let url: string;
  try {
    url = (values.get('url') ?? defaultApiUrl(env)).replace(/\/+$/, '');
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}\nOr name the api with --url.`,
    );
  }
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL, not "${url}".`);
  const users = values.has('users') ? number('users', 1, positiveInt, 'a positive integer') : undefined;
  const rate = number('rate', 10, positive, 'a positive number');
  let sweep: SweepPlan | undefined;
  try {
    sweep = values.has('sweep') ? parseSweep(values.get('sweep') ?? '', rate) : undefined;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  return {
    url,
    target,
    rate,
    durationS: number('duration', 30, positive, 'a positive number of seconds'),
    warmupS: number('warmup', 5, nonNegative, 'a number of seconds ≥ 0'),
    turns: number('turns', 3, positiveInt, 'a positive integer'),
    thinkMs: number('think-ms', 1000, nonNegative, 'a number of ms ≥ 0'),
    users,
    persona: values.get('persona'),
    creatorKey: values.get('creator-key') ?? env.TWINPROOF_CREATOR_KEY,
    creatorKeyFile: values.get('creator-key-file') ?? defaultCreatorKeyFile(env),
    modelId: values.get('model-id'),
    verification,
    keysFile: values.get('keys-file'),
    slo: {
      ttftMs: optionalLimit('slo-ttft-ms', 500),
      tpotMs: optionalLimit('slo-tpot-ms', 40),
      e2eMs: optionalLimit('slo-e2e-ms'),
    },
    tokens,
    timeoutS: number('timeout-s', 60, positive, 'a positive number of seconds'),
    proofs: switches.has('proofs'),
    proofsWaitS: number('proofs-wait-s', 30, nonNegative, 'a number of seconds ≥ 0'),
    seed: number('seed', 1, Number.isInteger, 'an integer'),
    json: values.get('json'),
    setupConcurrency: number('setup-concurrency', 16, positiveInt, 'a positive integer'),
    perUserPerMinute: number(
      'per-user-limit',
      // The chat-send bucket (CHAT_SENDS_PER_MINUTE): a completion over the OpenAI endpoint is a send as well, so
      // sizing OpenAI runs by RATE_LIMIT_PER_MINUTE (600) left 20 users for 20/s and every request refused.
      30,
      positive,
      'a positive number',
    ),
    sweep,
  };
}

/** Per-user share of one 60 s rate-limit window +25% (Poisson arrivals bunch); over OpenAI, setup's creates count. */
export function autoUsers(
  options: Pick<LoadOptions, 'target' | 'rate' | 'turns' | 'warmupS' | 'durationS' | 'perUserPerMinute'>,
): number {
  const windowS = Math.min(60, options.warmupS + options.durationS);
  const conversations = options.rate * (options.warmupS + options.durationS);
  const requests = options.rate * options.turns * windowS + (options.target === 'openai' ? conversations : 0);
  return Math.max(1, Math.ceil((requests / options.perUserPerMinute) * 1.25));
}
