// `npm run node:roi -- --api URL --node ID [--window 24h|7d] [assumption flags] [--json]`: an operator's economics
// from what the node measurably served (GET /v1/nodes/:id/economics): requests, tokens, uptime, costs, ROI, payback,
// downside scenarios and a price × demand table. Assumptions left out come from the api's NODE_* settings.
import { parseArgs } from 'node:util';
import { type EconomicsJson, renderEconomics } from '@app/network/economics/economics-text';
import { defaultApiUrl } from '../load/args';

const USAGE = `Usage: npm run node:roi -- --node <id> [options]
  --api <url>                  the api (default: PUBLIC_URL, else http://HOST:PORT as the api has them,
                               else http://localhost:3000)
  --node <id>                  the node's id (GET /v1/nodes lists them)
  --window 24h|7d              the measured window (default 7d)
  --price-per-1k-tokens <usd>  what the node earns per 1,000 tokens served
  --hardware-usd <usd>         hardware price, depreciated straight-line over --lifetime-months
  --lifetime-months <n>
  --watts <w>                  power drawn while up
  --kwh-usd <usd>              electricity price per kWh
  --bandwidth-usd <usd>        bandwidth a month
  --hosting-usd <usd>          hosting a month
  --json                       print the api's JSON instead of text`;

// Flag → query parameter of GET /v1/nodes/:id/economics.
const ASSUMPTIONS = {
  'price-per-1k-tokens': 'pricePer1kTokens',
  'hardware-usd': 'hardwareUsd',
  'lifetime-months': 'lifetimeMonths',
  watts: 'watts',
  'kwh-usd': 'kwhUsd',
  'bandwidth-usd': 'bandwidthUsdPerMonth',
  'hosting-usd': 'hostingUsdPerMonth',
} as const;

export async function runNodeRoi(
  argv: string[],
  print: (text: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      node: { type: 'string' },
      window: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
      ...Object.fromEntries(Object.keys(ASSUMPTIONS).map((flag) => [flag, { type: 'string' as const }])),
    },
    strict: true,
  });
  if (values.help || !values.node) {
    print(USAGE);
    return values.help ? 0 : 2;
  }
  const api = (values.api ?? defaultApiUrl(process.env)).replace(/\/+$/, '');
  const query = new URLSearchParams();
  if (values.window) query.set('window', values.window);
  for (const [flag, param] of Object.entries(ASSUMPTIONS)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === 'string') query.set(param, value);
  }
  const url = `${api}/v1/nodes/${encodeURIComponent(values.node)}/economics?${query.toString()}`;
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error' });
  } catch (error) {
    // fetch says only "fetch failed"; the cause (ECONNREFUSED, ENOTFOUND…) and the URL tried are what help.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    print(
      `Could not reach the api at ${api} (${cause?.code ?? cause?.message ?? String(error)}). Is it running? ` +
        'Name it with --api <url>, or set PORT / PUBLIC_URL as the api has them.',
    );
    return 2;
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body as { error?: { message?: string; details?: unknown } } | null)?.error;
    const details = error?.details ? ` ${JSON.stringify(error.details)}` : '';
    print(`${response.status}: ${error?.message ?? 'the api answered with an error'}${details}`);
    return 1;
  }
  print(values.json ? JSON.stringify(body, null, 2) : renderEconomics(body as EconomicsJson));
  return 0;
}

if (require.main === module) {
  runNodeRoi(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    },
  );
}
