import { LoadOptions, parseArgs, UsageError } from './args';

export interface ChurnOptions {
  load: LoadOptions;
  /** Node processes the benchmark runs (and kills, round robin). */
  nodes: number;
  /** One node is killed every this many seconds of the measured window. */
  killEveryS: number;
  /** The first node's port; the others follow it. */
  nodePort: number;
  /** Operator keys (churn-operators.json, 0600), node keys and node logs. */
  dataDir: string;
  /** The model the nodes serve and the created persona uses. */
  modelId: string;
  /** Start the platform here (as npm start, its own node off) instead of using the api at --url. */
  start: boolean;
}

export const CHURN_USAGE = `Usage: node dist/load/node-churn.js [options]   (or npm run load:churn -- [options])

Node churn: runs --nodes node processes against a running api (--url, default as chat-load's: PUBLIC_URL, else
http://HOST:PORT; start it with NODE_IN_PROCESS=false, or pass --start to have this tool start one), offers
open-model chat load, and every --kill-every seconds of the measured window SIGKILLs one node (round robin) and
starts it again at once. Reports chats offered/completed/failed by code, TTFT, takeovers seen
(message:node-changed) and how long each killed node took to be back. See load/README.md.

Churn
  --nodes N               node processes to run and kill in turn (default 3)
  --kill-every S          seconds between kills, from the measured window's start (default 10; 0: no kills,
                          the baseline to compare with)
  --node-port P           the first node's port; the others follow it (default 4101)
  --data-dir DIR          operator keys, node keys and node logs (default .data/churn)
  --start                 start the platform here first, as npm start does, with NODE_IN_PROCESS=false (the
                          api on PORT, default 3000; --url is then ignored), and stop it after the run
Load (as chat-load, with these defaults)
  --rate 20 --duration 60 --warmup 5 --turns 1 --model-id embedded:local
  Every other option of node dist/load/chat-load.js --help is accepted.
`;

// The benchmark of issue 11: 20 new chats a second for 60 s, one message each; a paced model (150 ms TTFT, 80
// tokens/s) so that replies are still streaming when their node is killed.
const DEFAULTS = [
  '--rate',
  '20',
  '--duration',
  '60',
  '--warmup',
  '5',
  '--turns',
  '1',
  '--model-id',
  'embedded:local',
];
const OWN = new Set(['nodes', 'kill-every', 'node-port', 'data-dir']);

export function parseChurnArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): ChurnOptions {
  const own = new Map<string, string>();
  const rest: string[] = [];
  let start = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--start') {
      start = true;
      continue;
    }
    const [name = '', inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [''];
    if (!OWN.has(name)) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    own.set(name, value);
  }
  // The defaults first: a value the user gives later wins.
  const load = parseArgs([...DEFAULTS, ...rest], env);
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = own.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not "${raw}".`);
    return n;
  };
  const nodes = int('nodes', 3, 1, 20);
  const killEveryS = Number(own.get('kill-every') ?? '10');
  if (!Number.isFinite(killEveryS) || killEveryS < 0)
    throw new UsageError(`--kill-every must be a number of seconds ≥ 0, not "${own.get('kill-every')}".`);
  return {
    load,
    nodes,
    killEveryS,
    nodePort: int('node-port', 4101, 1, 65535 - nodes),
    dataDir: own.get('data-dir') ?? '.data/churn',
    modelId: load.modelId ?? 'embedded:local',
    start,
  };
}

/** When each kill falls, in seconds from the measured window's start, and which node it takes (round robin). */
export function killSchedule(options: Pick<ChurnOptions, 'nodes' | 'killEveryS' | 'load'>): {
  atS: number;
  node: number;
}[] {
  const kills: { atS: number; node: number }[] = [];
  // 0: the same run without kills, the baseline churn is compared with.
  if (options.killEveryS === 0) return kills;
  // From the window's first second; none at its very end, which would measure nothing.
  for (let k = 0; k * options.killEveryS < options.load.durationS; k++)
    kills.push({ atS: k * options.killEveryS, node: k % options.nodes });
  return kills;
}
