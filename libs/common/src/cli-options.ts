import { parseArgs } from 'node:util';
// Flag parsing shared by the processes that take flags instead of AppConfig (a node, a relay): one wording for one
// mistake, whichever process reports it. Each passes its own error type, so its main() can print the message alone.

/** `--help` or `-h` anywhere: print the usage and exit 0, whatever else is (or is not) given. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg === '-h');
}

/** An http(s) URL, without its trailing slashes. `name` as the user wrote it (`--api`, `RELAY_API_URL`). */
export function httpUrlOption(value: string, name: string, refuse: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse(`${name} must be an http(s) URL, not "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse(`${name} must be an http(s) URL, not "${value}".`);
  return value.replace(/\/+$/, '');
}

/** An integer from `min` to `max`, or `fallback` when not given. */
export function integerOption(
  value: string | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number },
  refuse: (message: string) => Error,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max)
    throw refuse(`${name} must be an integer from ${range.min} to ${range.max}, not "${value}".`);
  return parsed;
}

/**
 * Reads `argv` as `--flag value` pairs of the given flags (each also settable by its environment variable), and returns
 * a reader: the flag's value, else its variable's, trimmed; undefined when neither is set or both are blank.
 */
export function flagReader<Flag extends string>(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  flags: Readonly<Record<Flag, string>>,
  refuse: (message: string) => Error,
): (flag: Flag) => string | undefined {
  let values: Partial<Record<string, string>>;
  try {
    values = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.keys(flags).map((flag) => [flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
  return (flag) => trimmed(values[flag] ?? env[flags[flag]]);
}

/** A setting's value without surrounding blanks, or undefined when it is unset or blank. */
export function trimmed(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
