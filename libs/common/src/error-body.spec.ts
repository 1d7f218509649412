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

  it('hides unexpected errors behind an error id, never their message', () => {
    const rendered = renderError(new Error('password=hunter2 at db.ts:12'));
    expect(rendered.status).toBe(500);
    expect(rendered.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(rendered.body)).not.toContain('hunter2');
    expect(rendered.body.error).toMatchObject({ code: 'INTERNAL', errorId: rendered.errorId });
  });
});
