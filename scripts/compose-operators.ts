import { parseArgs } from 'node:util';
import { ensureOperators } from './cluster-nodes';
import { waitForHealth } from './health';

/**
 * docker-compose's one-off `operators` service: signs up `--count` operator accounts through the api (or keeps
 * those already in `--file` that still work) and writes their keys to `--file` (0600) on a volume the node
 * containers mount, each reading its own entry. Run again, it changes nothing.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      api: { type: 'string', default: 'http://api:3000' },
      count: { type: 'string', default: '3' },
      file: { type: 'string', default: '/operators/operators.json' },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer`);
  const api = values.api.replace(/\/+$/, '');
  await waitForHealth(`${api}/health`, 120_000);
  const operators = await ensureOperators(api, values.file, count, 'compose-op');
  // Handles only: the keys stay in the file.
  console.log(`Operators ${operators.map((o) => o.handle).join(', ')}; keys in ${values.file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
