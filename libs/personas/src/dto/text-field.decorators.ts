import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsByteLength, IsOptional, IsString, MaxLength } from 'class-validator';
import { PERSONA_LIMITS as L } from './limits';

export function OptionalText(maxBytes: number = L.textBytes): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional(), IsOptional(), IsString(), IsByteLength(0, maxBytes));
}

export function OptionalTextList(
  maxItems: number,
  limit: { maxBytes: number } | { maxChars: number },
): PropertyDecorator {
  const each =
    'maxBytes' in limit
      ? IsByteLength(0, limit.maxBytes, { each: true })
      : MaxLength(limit.maxChars, { each: true });
  return applyDecorators(
    ApiPropertyOptional({ type: [String] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(maxItems),
    IsString({ each: true }),
    each,
  );
}
