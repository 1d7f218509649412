import 'reflect-metadata';
import { AppConfig } from '@app/config';
import { applyMigrations, ensureDatabase, findPackageRoot } from '@app/database';
import { fork } from 'node:child_process';
import { join, relative } from 'node:path';
import { describeChain, ensureLocalChain, restartDevChain } from './local-chain';
import { seedDemo } from './seed-demo';
import { Supervisor } from './supervisor';

const HEALTH_WAIT_MS = 60_000;

/**
 * `npm start`: the whole platform on one machine with zero configuration. Prepares the database, seeds a demo
 * creator, then runs the api and the worker as separate processes (as they run in production), restarting
 * whichever dies (with a growing wait) while the other keeps running; Ctrl-C stops them all.
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
  const devChainScript = join(root, 'dist/scripts/dev-chain.js');
  // Outside libs/config, the environment is looked at only here, to tell "configured" from "default" (the chain
  // below, the log format).
  const chain = await ensureLocalChain(config, devChainScript, !!process.env.CHAIN_RPC_URL);
  // A fresh dev chain has forgotten earlier roots: the worker anchors them again (ChainResetRecovery).
  // At a terminal the processes log coloured text unless LOG_FORMAT is set; elsewhere JSON, as in production.
  const env = {
    ...process.env,
    LOG_FORMAT: process.env.LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : config.log.format),
    CHAIN_RPC_URL: chain.rpcUrl,
    ANCHOR_CONTRACT: chain.anchorContract,
  };

  const supervisor = new Supervisor({
    log: (line) => console.error(line),
    onGiveUp: (code) => process.exit(code),
  });
  supervisor.add('api', () => fork(join(root, 'dist/apps/api/src/main.js'), { stdio: 'inherit', env }));
  supervisor.add('worker', () => fork(join(root, 'dist/apps/worker/src/main.js'), { stdio: 'inherit', env }));
  // A restarted dev chain is empty: it deploys ReceiptAnchor again and the worker re-anchors the earlier roots.
  if (chain.process)
    supervisor.add('dev chain', () => restartDevChain(devChainScript, chain.rpcUrl), chain.process);
  const stop = (): void => void supervisor.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await waitForHealth(`http://127.0.0.1:${config.port}/health`).catch(async (error: unknown) => {
    // Leave no api, worker or chain running behind a launcher that gives up.
    await supervisor.stop();
    throw error;
  });

  console.log(
    [
      '',
      'Twinproof is running.',
      `  API:           ${config.publicUrl}/v1`,
      `  OpenAPI docs:  ${config.publicUrl}/docs  (JSON: ${config.publicUrl}/docs-json)`,
      `  Chain:         ${describeChain(chain)}`,
      `  Demo creator:  "${demo.handle}", API key in ${relative(process.cwd(), keyFile) || keyFile}`,
      `  Try:           curl -H "Authorization: Bearer $(node -p 'require("./.data/demo-creator.json").apiKey')" ${config.publicUrl}/v1/personas?owner=me`,
      '',
    ].join('\n'),
  );
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
