import { createRootLogger } from '@app/common';
import { AppConfig } from '@app/config';
import cluster, { Worker } from 'node:cluster';
import { createStickyPrimary } from './sticky-primary';
import { STICKY_WORKER_ENV, WORKER_READY } from './sticky-worker';

/** A worker that dies is started again after this long, so a worker that cannot start does not spin the primary. */
const RESTART_DELAY_MS = 1_000;
/** What a stopping worker gets beyond its own drain (SHUTDOWN_DRAIN_MS) before it is killed. */
const STOP_MARGIN_MS = 10_000;

/**
 * API_PROCESSES > 1: this process owns PORT and runs no Nest app. It forks that many api workers, one after the
 * other (each finds the keys and the node registration the first one made, instead of racing to make them), listens
 * once all of them serve, and hands every connection to a worker: a socket.io session's requests always to the
 * worker that opened it (long-polling needs that), everything else to the worker with the fewest open sessions and
 * requests (sticky-primary.ts). Emits to rooms reach sockets on every worker through the Redis adapter.
 */
export async function runApiCluster(config: AppConfig): Promise<void> {
  // The same pino lines as the workers' (JSON in production), named apart from them.
  const pino = createRootLogger({ ...config.log, app: 'api-primary' });
  const logger = { log: (line: string) => pino.info(line), error: (line: string) => pino.error(line) };
  let stopping = false;
  // The first bytes of each connection travel to its worker as a Buffer: JSON, the default, would make an object.
  cluster.setupPrimary({ serialization: 'advanced' });
  const server = createStickyPrimary();

  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [STICKY_WORKER_ENV]: '1' });
      const onMessage = (message: { type?: unknown }): void => {
        if (message?.type !== WORKER_READY) return;
        worker.off('message', onMessage);
        worker.off('exit', onEarlyExit);
        resolve(worker);
      };
      const onEarlyExit = (code: number | null, signal: string | null): void =>
        reject(new Error(`api worker ${worker.id} exited while starting (${signal ?? `code ${code}`})`));
      worker.on('message', onMessage);
      worker.once('exit', onEarlyExit);
    });

  for (let i = 0; i < config.apiProcesses; i++) {
    const worker = await fork();
    logger.log(`api worker ${worker.id} (pid ${worker.process.pid}) serves`);
  }

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error(
      `api worker ${worker.id} (pid ${worker.process.pid}) died (${signal ?? `code ${code}`}); starting another`,
    );
    const again = (): void => {
      if (stopping) return;
      fork().then(
        (next) => logger.log(`api worker ${next.id} (pid ${next.process.pid}) serves`),
        (error: unknown) => logger.error(String(error)),
      );
    };
    setTimeout(again, RESTART_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: no new connections; the api workers finish what they serve and stop`);
    server.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    const killer = setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
    }, config.shutdownDrainMs + STOP_MARGIN_MS);
    killer.unref();
    let left = workers.length;
    const exited = (): void => {
      if (--left <= 0) process.exit(0);
    };
    for (const worker of workers) {
      if (worker.isDead()) exited();
      else {
        worker.once('exit', exited);
        worker.process.kill('SIGTERM');
      }
    }
    if (workers.length === 0) process.exit(0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  logger.log(`${config.apiProcesses} api processes on ${config.publicUrl}, sticky per socket.io session`);
}
