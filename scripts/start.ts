import 'reflect-metadata';
import { isAbsolute, relative } from 'node:path';
import { describeChain } from './local-chain';
import { preparePlatform, superviseCore } from './platform';

/**
 * `npm start`: the whole platform on one machine with zero configuration. Prepares the database, seeds a demo
 * creator, then runs the api and the worker as separate processes (as they run in production), restarting
 * whichever dies (with a growing wait) while the other keeps running; Ctrl-C stops them all.
 */
async function main(): Promise<void> {
  const platform = await preparePlatform();
  await superviseCore(platform);
  const { config, chain, demo, demoKeyFile } = platform;
  // The key file in DATA_DIR, as a path require() takes from here: ./relative inside the working directory, else absolute.
  const shown = relative(process.cwd(), demoKeyFile);
  const keyPath = shown && !shown.startsWith('..') && !isAbsolute(shown) ? `./${shown}` : demoKeyFile;

  console.log(
    [
      '',
      'Twinproof is running.',
      `  API:           ${config.publicUrl}/v1${config.apiProcesses > 1 ? ` (${config.apiProcesses} processes behind one port, sticky sessions: docs/scaling.md)` : ''}`,
      `  OpenAPI docs:  ${config.publicUrl}/docs  (JSON: ${config.publicUrl}/docs-json)`,
      `  Chain:         ${describeChain(chain)}`,
      `  Demo creator:  "${demo.handle}", API key in ${keyPath}`,
      `  Try:           curl -H "Authorization: Bearer $(node -p 'require(${JSON.stringify(keyPath)}).apiKey')" ${config.publicUrl}/v1/personas?owner=me`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
