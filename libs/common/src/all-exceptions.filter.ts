import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { renderError } from './error-body';

/** Registered once with APP_FILTER: every HTTP error leaves in the shape of docs/api.md. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const rendered = renderError(exception);
    if (rendered.errorId) {
      const stack = exception instanceof Error ? exception.stack : String(exception);
      this.logger.error(`Unhandled error ${rendered.errorId}`, stack);
    }
    if (response.headersSent) return;
    // Every 429, from the guard or from a service's own limit (conversation starts, node registrations), says when.
    const details = rendered.body.error.details as { retryAfterSeconds?: unknown } | undefined;
    if (typeof details?.retryAfterSeconds === 'number')
      response.setHeader('Retry-After', details.retryAfterSeconds);
    response.status(rendered.status).json(rendered.body);
  }
}
