// The private-chat command's arguments: argv and the environment in, options with every default applied out.
import { AppConfig } from '@app/config';
import { MAX_TOKENS_PER_CALL } from '@app/privacy/client';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run private-chat -- --relay <url> --persona <slug> [options]
       npm run private-chat -- --buy-tokens <n> [--api <url>] [--key <api key>] [--tokens-file <path>]
  --relay <url>                the Oblivious HTTP relay to send through (GET /v1/privacy/relays lists them); it must
                               be run by another operator than the gateway's node
  --persona <slug>             whom to talk to (GET /v1/personas?q= finds slugs)
  --api <url>                  the api: directory, tokens (default: TWINPROOF_URL, else this machine's api, PUBLIC_URL
                               or http://HOST:PORT from its configuration)
  --key <api key>              your key, used only to buy blind tokens (default: TWINPROOF_KEY, else TWINPROOF_API_KEY,
                               else the demo creator's, DATA_DIR/demo-creator.json as npm start writes it)
  --tokens-file <path>         the wallet of unspent tokens (default: DATA_DIR/private-tokens.json); turns spend
                               tokens bought earlier, so the api cannot link a purchase to a chat by its timing
  --buy-tokens <n>             only buy n tokens into the wallet and exit (buy ahead of chatting)
  --message <text>             one turn; without it, each line read from stdin is a turn (Ctrl-D ends)
  --node <id>                  the gateway node (default: the first verified one of another operator than the relay's)
  --allow-same-operator        accept a relay and a gateway of one operator (who could then see who and what)
  --allow-unlisted-relay       accept a relay missing from the registry (its operator is unknown)
  --trust-dev-authority <0x..> accept development attestations from this dev CA (repeatable; this machine's dev CA in
                               DATA_DIR is trusted when present)
  --proof-wait-s <s>           how long to follow each reply's proof until anchored, then check it on chain (default
                               30, at most 5 between turns on a terminal; 0: not at all)
  --json                       one JSON object per turn instead of text; a failure is {"error":{code,message,party}}
Exit codes: 0 every reply verified and shown; 1 a reply or its proof failed a check (a failed reply is not shown);
  2 usage error, nothing run; 3 stopped by a failure (api, relay, gateway, route refused, token not bought).`;

/** Where the key that buys tokens came from: said when tokens are bought, so a user knows which account paid. */
export type KeySource =
  '--key' | 'TWINPROOF_KEY' | 'TWINPROOF_API_KEY' | "the demo creator's key in DATA_DIR";

/** A problem with the command line: said in one line, exit code 2, nothing sent. */
export class UsageError extends Error {}

export interface ChatOptions {
  /** Absent only with --buy-tokens. */
  relay?: string;
  persona?: string;
  api: string;
  /** Needed only to buy tokens: a wallet that holds enough makes it unnecessary. */
  key?: string;
  keySource?: KeySource;
  tokensFile: string;
  buyTokens?: number;
  message?: string;
  node?: string;
  allowSameOperator: boolean;
  allowUnlisted: boolean;
  trustDevAuthorities: string[];
  proofWaitS: number;
  json: boolean;
}

export const TOKEN_BATCH = MAX_TOKENS_PER_CALL;

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
        'tokens-file': { type: 'string' },
        'buy-tokens': { type: 'string' },
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
  let buyTokens: number | undefined;
  if (values['buy-tokens'] !== undefined) {
    buyTokens = Number(values['buy-tokens']);
    if (!Number.isInteger(buyTokens) || buyTokens < 1 || buyTokens > 1000)
      throw new UsageError(`--buy-tokens ${values['buy-tokens']} is not a number of tokens from 1 to 1000.`);
  } else {
    const missing = (['relay', 'persona'] as const).filter((name) => !values[name]);
    if (missing.length)
      throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(' and ')}.\n${USAGE}`);
  }
  const proofWaitS = values['proof-wait-s'] === undefined ? 30 : Number(values['proof-wait-s']);
  if (!Number.isFinite(proofWaitS) || proofWaitS < 0)
    throw new UsageError(`--proof-wait-s ${values['proof-wait-s']} is not a number of seconds.`);
  if (values.message !== undefined && values.message.trim() === '')
    throw new UsageError('--message is empty.');
  const key = apiKey(values.key, config, env);
  return {
    relay: values.relay,
    persona: values.persona,
    api: (values.api ?? (env.TWINPROOF_URL || undefined) ?? config.publicUrl).replace(/\/+$/, ''),
    ...key,
    tokensFile: values['tokens-file'] ?? join(config.dataDir, 'private-tokens.json'),
    buyTokens,
    message: values.message,
    node: values.node,
    allowSameOperator: values['allow-same-operator'] ?? false,
    allowUnlisted: values['allow-unlisted-relay'] ?? false,
    trustDevAuthorities: values['trust-dev-authority'] ?? [],
    proofWaitS,
    json: values.json ?? false,
  };
}

/** The README's first session exports TWINPROOF_KEY; TWINPROOF_API_KEY is what scripts used before. */
function apiKey(
  flag: string | undefined,
  config: AppConfig,
  env: Record<string, string | undefined>,
): { key?: string; keySource?: KeySource } {
  if (flag) return { key: flag, keySource: '--key' };
  if (env.TWINPROOF_KEY) return { key: env.TWINPROOF_KEY, keySource: 'TWINPROOF_KEY' };
  if (env.TWINPROOF_API_KEY) return { key: env.TWINPROOF_API_KEY, keySource: 'TWINPROOF_API_KEY' };
  const demo = localDemoKey(config);
  return demo ? { key: demo, keySource: "the demo creator's key in DATA_DIR" } : {};
}

/** The demo creator's key, where npm start writes it: DATA_DIR, as verify-cli reads it. */
function localDemoKey(config: AppConfig): string | undefined {
  const file = join(config.dataDir, 'demo-creator.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: string }).apiKey;
}

export const NO_KEY =
  'No api key to buy tokens with: pass --key <api key>, set TWINPROOF_KEY, or run npm start (it writes the demo key to DATA_DIR). The key only buys blind tokens: the chat itself carries no identity.';
