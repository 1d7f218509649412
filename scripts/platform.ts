import { AppConfig } from '@app/config';
import { applyMigrations, ensureDatabase, findPackageRoot } from '@app/database';
import { fork, StdioOptions } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureLocalChain, LocalChain, restartDevChain } from './local-chain';
import { DemoCreator, seedDemo } from './seed-demo';
import { waitForHealth } from './health';
import { Supervisor } from './supervisor';

/** What `npm start` and `npm run start:cluster` share: a migrated database, a seeded demo, a chain, and the env. */
export interface PreparedPlatform {
  root: string;
  config: AppConfig;
  chain: LocalChain;
  devChainScript: string;
  demo: DemoCreator;
  demoKeyFile: string;
  /** The environment the api and the worker run with. */
  env: NodeJS.ProcessEnv;
}

/**
 * Prepares the database (created if missing, migrated), seeds the demo creator and finds or starts the chain.
 * `overrides` are settings the launcher decides (the cluster turns the in-process node off); they go into the
 * environment of every process it forks, before the configuration is read.
 */
export async function preparePlatform(overrides: NodeJS.ProcessEnv = {}): Promise<PreparedPlatform> {
  Object.assign(process.env, overrides);
  const root = findPackageRoot(__dirname);
  const config = AppConfig.fromProcessEnv();
  await ensureDatabase(config.databaseUrl);
  const { applied } = await applyMigrations({
    databaseUrl: config.databaseUrl,
    migrationsDir: join(root, 'prisma/migrations'),
  });
  if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`);
  // In DATA_DIR (`.data` by default, as before) so a run with its own DATA_DIR (a test) leaves the usual key alone.
  const demoKeyFile = resolve(root, config.dataDir, 'demo-creator.json');
  const demo = await seedDemo(demoKeyFile);
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
  return { root, config, chain, devChainScript, demo, demoKeyFile, env };
}

/**
 * Runs the api, the worker and (when started here) the dev chain under a supervisor, and waits for the api's
 * /health. A launcher that gives up leaves nothing running behind it.
 */
export async function superviseCore(
  platform: PreparedPlatform,
  /** Processes Ctrl-C stops before the api, the worker and the chain (the cluster's nodes). */
  stopFirst: () => readonly string[] = () => [],
  /** Where the processes' output goes: the launcher's own stdout and stderr, or (a benchmark's report on stdout) fd 2. */
  stdio: StdioOptions = 'inherit',
): Promise<Supervisor> {
  const { root, env, chain, devChainScript, config } = platform;
  const supervisor = new Supervisor({
    log: (line) => console.error(line),
    onGiveUp: (code) => process.exit(code),
  });
  supervisor.add('api', () => fork(join(root, 'dist/apps/api/src/main.js'), { stdio, env }));
  supervisor.add('worker', () => fork(join(root, 'dist/apps/worker/src/main.js'), { stdio, env }));
  // A restarted dev chain is empty: it deploys ReceiptAnchor again and the worker re-anchors the earlier roots.
  if (chain.process)
    supervisor.add('dev chain', () => restartDevChain(devChainScript, chain.rpcUrl), chain.process);
  const stop = (): void =>
    void supervisor
      .stop(undefined, stopFirst())
      .then(() => supervisor.stop())
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await waitForHealth(`http://127.0.0.1:${config.port}/health`).catch(async (error: unknown) => {
    await supervisor.stop();
    throw error;
  });
  return supervisor;
}
