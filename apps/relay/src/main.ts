import { createRootLogger } from '@app/common/root-logger';
import { parseRelayOptions, RelayOptionsError, USAGE, wantsHelp } from './relay-options';
import { startRelay } from './relay-server';

// Running exchanges (a streamed reply) get this long to finish after SIGTERM before they are cut.
const DRAIN_MS = 10_000;

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    console.log(USAGE);
    process.exit(0);
  }
  // The relay has no AppConfig: its settings are its flags, or its environment, read once here.
  // eslint-disable-next-line no-restricted-properties
  const options = parseRelayOptions(process.argv.slice(2), process.env);
  const logger = createRootLogger(options.log);
  // Logged, never thrown at the process: a relay keeps serving. The reason only: no request data rides on it.
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error(
      `Unhandled rejection (kept running): ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  });
  const relay = await startRelay({ ...options, logger });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: taking no new requests, finishing the running ones (up to ${DRAIN_MS} ms)`);
    await relay.close(DRAIN_MS);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof RelayOptionsError ? error.message : error);
  process.exit(1);
});
