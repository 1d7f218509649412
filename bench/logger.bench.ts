import 'reflect-metadata';
import { ConsoleLogger, Logger, LoggerService, LogLevel } from '@nestjs/common';
import { createRootLogger, currentLogContext, nestLogger, runInLogContext } from '@app/common';

// `npm run build && node dist/bench/logger.bench.js [lines] > /dev/null`: the cost of one log line written through
// Nest's `new Logger(X.name)`, by the hand-written JSON logger the api had before nestjs-pino (Nest's ConsoleLogger
// in JSON, plus the request id) and by nestjs-pino over the platform's pino logger, both inside a request's context.
// Lines go to stdout (send it to /dev/null); figures go to stderr. Figures, not verdicts.
const LINES = Number(process.argv[2] ?? 200_000);
const ROUNDS = 3;

/** The api's logger before nestjs-pino, as it was: ConsoleLogger's JSON with the request id added. */
class HandWrittenJsonLogger extends ConsoleLogger {
  constructor() {
    super({ json: true, colors: false, logLevels: ['fatal', 'error', 'warn', 'log'] });
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
    const requestId = currentLogContext()?.requestId;
    return requestId ? Object.assign(object, { requestId }) : object;
  }
}

interface Figures {
  linesPerSecond: number;
  cpuMicrosPerLine: number;
}

function measure(service: LoggerService, level: 'log' | 'debug'): Figures {
  Logger.overrideLogger(service);
  const logger = new Logger('BenchService');
  const write = level === 'log' ? logger.log.bind(logger) : logger.debug.bind(logger);
  return runInLogContext({ requestId: '3f1c2b1e-8d4f-4a8e-9b1f-2f6e9c1d7a10', messageId: 'b1d3' }, () => {
    for (let i = 0; i < 5_000; i++) write(`Reply ${i} stored`);
    let best: Figures = { linesPerSecond: 0, cpuMicrosPerLine: Infinity };
    for (let round = 0; round < ROUNDS; round++) {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let i = 0; i < LINES; i++) write(`Reply ${i} stored`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      const figures = {
        linesPerSecond: LINES / seconds,
        cpuMicrosPerLine: (used.user + used.system) / LINES,
      };
      if (figures.cpuMicrosPerLine < best.cpuMicrosPerLine) best = figures;
    }
    return best;
  });
}

function main(): void {
  const rows: [string, Figures][] = [
    ['hand-written, written', measure(new HandWrittenJsonLogger(), 'log')],
    ['nestjs-pino, written', measure(nestLogger(createRootLogger({ format: 'json', level: 'log' })), 'log')],
    ['hand-written, debug off', measure(new HandWrittenJsonLogger(), 'debug')],
    [
      'nestjs-pino, debug off',
      measure(nestLogger(createRootLogger({ format: 'json', level: 'log' })), 'debug'),
    ],
  ];
  const out = (line: string): boolean => process.stderr.write(`${line}\n`);
  out(`${LINES} lines per round, best of ${ROUNDS}, ${process.version}`);
  out('logger                      lines/s  CPU µs/line');
  for (const [name, f] of rows)
    out(
      name.padEnd(24) +
        Math.round(f.linesPerSecond).toString().padStart(11) +
        f.cpuMicrosPerLine.toFixed(2).padStart(13),
    );
}

main();
