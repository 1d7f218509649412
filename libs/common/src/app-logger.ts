import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's logger, in JSON by default, with the request's correlation id on every line logged inside it. */
export class AppLogger extends ConsoleLogger {
  constructor(options: { format: 'json' | 'pretty'; level: LogLevel }) {
    super({
      json: options.format === 'json',
      colors: options.format === 'pretty',
      logLevels: LEVELS.slice(0, LEVELS.indexOf(options.level) + 1),
    });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
    },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const object = super.getJsonLogObject(message, options);
    const requestId = currentRequestId();
    return requestId ? Object.assign(object, { requestId }) : object;
  }
}
