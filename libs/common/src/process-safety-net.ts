import { Logger } from '@nestjs/common';

/**
 * Some libraries fire promises nobody awaits (socket.io's Redis adapter publishes each broadcast and drops the
 * result; a Redis outage rejects them all). Node would kill the process for each one: a chat platform must log
 * them and keep serving. Installed by the processes' entry points only, never by libraries or tests.
 */
export function installProcessSafetyNet(processName: string): void {
  const logger = new Logger(processName);
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error(
      `Unhandled rejection (kept running): ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  });
}
