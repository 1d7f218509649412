import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DestinationStream, Level, Logger, LoggerOptions, pino } from 'pino';
import PinoPretty from 'pino-pretty';
import { logContextFields } from './log-context';

export interface LogSettings {
  format: 'json' | 'pretty';
  /** Nest's names (LOG_LEVEL): `log` is pino's info, `verbose` its trace. */
  level: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
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
 * The process's pino logger: JSON lines (a level name, an ISO time), or coloured text for a person at a terminal,
 * each with the ids of the request, event or job it was logged in. `destination` is for tests and benchmarks.
 */
export function createRootLogger(settings: LogSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: PINO_LEVELS[settings.level],
    mixin: logContextFields,
    redact: { paths: REDACTED, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.format === 'pretty') {
    const pretty = PinoPretty({
      destination: destination ?? 1,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
      singleLine: true,
    });
    return pino(options, pretty);
  }
  return pino({ ...options, formatters: { level: (label) => ({ level: label }) } }, destination);
}

/**
 * nestjs-pino's Logger (for `app.useLogger`) over `logger`. The api's own pino-http middleware (request-logging.ts)
 * runs before body parsing, so nestjs-pino only binds each request's child logger (`useExisting`).
 */
export function loggingModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true });
}
