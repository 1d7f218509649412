import { LoadOptions, parseArgs, UsageError } from '../args';

/** An integer or number option of a connection scenario: its default and the range it must fall in. */
export interface NumberFlag {
  fallback: number;
  min: number;
  max: number;
  integer?: boolean;
}

export interface ParsedConnectionArgs<K extends string> {
  numbers: Record<K, number>;
  strings: Map<string, string>;
  switches: Set<string>;
  /** The options shared with chat-load (--url, --keys-file, ...), parsed and checked by load/args.ts. */
  load: LoadOptions;
}

/**
 * The connection scenarios' options: their own numbers, words and switches here, and the setup options they share
 * with chat-load (only those in `shared`) through load/args.ts, so --url and --keys-file mean the same everywhere.
 */
export function parseConnectionArgs<K extends string>(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  spec: {
    numbers: Record<K, NumberFlag>;
    strings?: readonly string[];
    switches?: readonly string[];
    shared: readonly string[];
  },
): ParsedConnectionArgs<K> {
  const raw = new Map<string, string>();
  const switches = new Set<string>();
  const passed: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument "${arg}".`);
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (name === 'help') throw new UsageError('');
    if (spec.switches?.includes(name)) {
      switches.add(name);
      continue;
    }
    const own = Object.hasOwn(spec.numbers, name) || spec.strings?.includes(name);
    if (!own && !spec.shared.includes(name)) throw new UsageError(`Unknown option --${name}.`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    if (own) raw.set(name, value);
    else passed.push(`--${name}`, value);
  }
  const numbers = {} as Record<K, number>;
  for (const [name, flag] of Object.entries(spec.numbers) as [K, NumberFlag][]) {
    const text = raw.get(name);
    const n = text === undefined ? flag.fallback : Number(text);
    if (
      text !== undefined &&
      (text.trim() === '' ||
        !Number.isFinite(n) ||
        n < flag.min ||
        n > flag.max ||
        (flag.integer && !Number.isInteger(n)))
    )
      throw new UsageError(
        `--${name} must be ${flag.integer ? 'an integer' : 'a number'} from ${flag.min} to ${flag.max}, not "${text}".`,
      );
    numbers[name] = n;
  }
  const strings = new Map([...raw].filter(([name]) => spec.strings?.includes(name)));
  return { numbers, strings, switches, load: parseArgs(passed, env) };
}
