import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { DomainError, ErrorCode, ValidationError } from './domain-error';
import { renderError } from './error-body';

describe('renderError', () => {
  it('renders domain errors with their status, code, message and details', () => {
    expect(renderError(new ValidationError('name: must not be empty', [{ field: 'name' }]))).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'name: must not be empty',
          details: [{ field: 'name' }],
        },
      },
    });
    expect(renderError(new DomainError(ErrorCode.SLUG_TAKEN, 'taken')).status).toBe(409);
  });

  it("maps Nest's HTTP exceptions onto the README's error codes", () => {
    expect(renderError(new NotFoundException('Cannot GET /x')).body.error).toEqual({
      code: 'NOT_FOUND',
      message: 'Cannot GET /x',
    });
    expect(renderError(new PayloadTooLargeException()).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(renderError(new BadRequestException('bad')).body.error.code).toBe('VALIDATION_FAILED');
  });

  it("answers 503 with a retry time when the database is saturated (Prisma's pool and transaction-start timeouts)", () => {
    const busy = (code: string): Error =>
      Object.assign(new Error('Unable to start a transaction in the given time.'), {
        name: 'PrismaClientKnownRequestError',
        code,
      });
    for (const code of ['P2024', 'P2028'])
      expect(renderError(busy(code))).toEqual({
        status: 503,
        body: {
          error: {
            code: 'UNAVAILABLE',
            message: 'The service is busy; try again in a moment.',
            details: { retryAfterSeconds: 1 },
          },
        },
      });
    // Any other database failure is ours to look into: a 500 with an error id.
    expect(renderError(busy('P2010')).status).toBe(500);
    expect(renderError(Object.assign(new Error('x'), { code: 'P2028' })).status).toBe(500);
  });

  it('hides unexpected errors behind an error id, never their message', () => {
    const rendered = renderError(new Error('password=hunter2 at db.ts:12'));
    expect(rendered.status).toBe(500);
    expect(rendered.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(rendered.body)).not.toContain('hunter2');
    expect(rendered.body.error).toMatchObject({ code: 'INTERNAL', errorId: rendered.errorId });
  });
});
