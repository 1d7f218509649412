import 'reflect-metadata';
import { AppConfig } from '@app/config';
import { applyMigrations, ensureDatabase, findPackageRoot } from '@app/database';
import { ChildProcess, fork } from 'node:child_process';
import { join, relative } from 'node:path';
import { ensureLocalChain, reanchorOnFreshDevChain } from './local-chain';
import { seedDemo } from './seed-demo';

const HEALTH_WAIT_MS = 60_000;

/**
 * `npm start`: the whole platform on one machine with zero configuration. Prepares the database, seeds a demo
 * creator, then runs the api and the worker as separate processes (as they run in production) and stops both
 * if either dies.
 */
async function main(): Promise<void> {
  const root = findPackageRoot(__dirname);
  const config = AppConfig.fromProcessEnv();
  await ensureDatabase(config.databaseUrl);
  const { applied } = await applyMigrations({
    databaseUrl: config.databaseUrl,
    migrationsDir: join(root, 'prisma/migrations'),
  });
  if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`);
  const keyFile = join(root, '.data/demo-creator.json');
  const demo = await seedDemo(keyFile);
  // The one place outside libs/config that looks at the environment: only to tell "configured" from "default".
  const chain = await ensureLocalChain(
    config,
    join(root, 'dist/scripts/dev-chain.js'),
    !!process.env.CHAIN_RPC_URL,
  );
  if (chain.process) {
    const replayed = await reanchorOnFreshDevChain(config, chain);
    if (replayed > 0) console.log(`Re-anchored ${replayed} earlier batch root(s) on the fresh dev chain`);
  }
  const env = { ...process.env, CHAIN_RPC_URL: chain.rpcUrl, ANCHOR_CONTRACT: chain.anchorContract };

  const children = [
    fork(join(root, 'dist/apps/api/src/main.js'), { stdio: 'inherit', env }),
    fork(join(root, 'dist/apps/worker/src/main.js'), { stdio: 'inherit', env }),
    ...(chain.process ? [chain.process] : []),
  ];
  superviseTogether(children);
  await waitForHealth(`http://127.0.0.1:${config.port}/health`);

  console.log(
    [
      '',
      'Twinproof is running.',
      `  API:           ${config.publicUrl}/v1`,
      `  OpenAPI docs:  ${config.publicUrl}/docs  (JSON: ${config.publicUrl}/docs-json)`,
      `  Chain:         ${chain.rpcUrl}, ReceiptAnchor ${chain.anchorContract}${chain.process ? ' (in-memory dev chain)' : ''}`,
      `  Demo creator:  "${demo.handle}", API key in ${relative(process.cwd(), keyFile) || keyFile}`,
      `  Try:           curl -H "Authorization: Bearer $(node -p 'require("./.data/demo-creator.json").apiKey')" ${config.publicUrl}/v1/personas?owner=me`,
      '',
    ].join('\n'),
  );
}

function superviseTogether(children: ChildProcess[]): void {
  let stopping = false;
  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 5_000).unref();
  };
  for (const child of children) {
    child.on('exit', (code) => {
      if (!stopping) console.error(`A platform process exited (code ${code}); stopping the others.`);
      stopAll(code ?? 1);
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(code ?? 0);
    });
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The api did not become healthy at ${url} within ${HEALTH_WAIT_MS / 1000} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
