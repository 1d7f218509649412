import { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { DestinationStream, Level, Logger, LoggerOptions, pino } from 'pino';
import PinoPretty from 'pino-pretty';
import { logContextFields } from './log-context';

export interface LogSettings {
  format: 'json' | 'pretty';
  /** Nest's names (LOG_LEVEL): `log` is pino's info, `verbose` its trace. */
  level: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** The process (api, worker, node) on every line: `npm start` interleaves several on one terminal. */
  app?: string;
}

const PINO_LEVELS: Record<LogSettings['level'], Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

// Request lines carry no headers (request-logging.ts); these catch a header or key logged by mistake elsewhere.
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'apiKey',
];

/**
 * The process's pino logger: JSON lines, or coloured text for a person at a terminal, each with the ids of the
 * request, event or job it was logged in. `destination` is for tests and benchmarks.
 */
export function createRootLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: PINO_LEVELS[settings.level],
    mixin: logContextFields,
    base: { pid: process.pid, ...(settings.app && { app: settings.app }) },
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  if (settings.format === 'pretty') {
    const pretty = PinoPretty({
      destination: destination ?? 1,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,app',
      messageFormat: '{if app}{app} {end}{if context}[{context}] {end}{msg}',
      singleLine: true,
    });
    return pino(options, pretty);
  }
  // Written synchronously, as Nest's logger did: a line logged just before the process exits is not lost.
  return pino(
    { ...options, formatters: { level: (label) => ({ level: label }) } },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * `new Logger(X.name)` over `logger`, through nestjs-pino, for NestFactory's `logger` option. Not `bufferLogs` and
 * `useLogger`: Nest holds buffered lines until the api listens, so a start-up that fails or hangs would show nothing.
 * In a process that creates several, nestjs-pino writes through the first (tests running the api and a worker).
 */
export function nestLogger(logger: Logger): LoggerService {
  return new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}
