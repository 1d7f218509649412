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
    response.status(rendered.status).json(rendered.body);
  }
}
