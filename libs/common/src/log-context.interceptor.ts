import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { finalize, Observable } from 'rxjs';
import { LogContext, runInLogContext } from './log-context';

/**
 * Runs each socket event's handler in a fresh log context (HTTP requests get theirs from request-logging.ts), and
 * logs the event once its handler has answered (as HTTP requests are), with the ids the handler added to the context.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  private readonly logger = new Logger('SocketEvent');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const event = context.switchToWs().getPattern();
    const fields: LogContext = { requestId: randomUUID() };
    const started = performance.now();
    // Nest binds the handler to the async context handle() is called in.
    return runInLogContext(fields, () => next.handle()).pipe(
      finalize(() =>
        runInLogContext(fields, () =>
          this.logger.log(`${event} handled in ${(performance.now() - started).toFixed(1)} ms`),
        ),
      ),
    );
  }
}
