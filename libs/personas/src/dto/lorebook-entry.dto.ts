import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsByteLength,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PERSONA_LIMITS as L } from './limits';
import { MaxNesting } from './max-nesting.decorator';

export class LorebookEntryDto {
  @ApiProperty({
    type: [String],
    description: 'The entry is added to the prompt when one of these appears in recent turns',
  })
  @IsArray()
  @ArrayMaxSize(L.keysPerEntry)
  @IsString({ each: true })
  @MaxLength(L.keyChars, { each: true })
  keys!: string[];

  @ApiProperty()
  @IsString()
  @IsByteLength(0, L.textBytes)
  content!: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.keysPerEntry)
  @IsString({ each: true })
  @MaxLength(L.keyChars, { each: true })
  secondaryKeys?: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(L.shortTextChars) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsByteLength(0, L.textBytes) comment?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(-1_000_000) @Max(1_000_000) insertionOrder?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() caseSensitive?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() constant?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() selective?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(-1_000_000) @Max(1_000_000) priority?: number;

  @ApiPropertyOptional({ enum: ['before_char', 'after_char'] })
  @IsOptional()
  @IsIn(['before_char', 'after_char'])
  position?: 'before_char' | 'after_char';

  @ApiPropertyOptional({
    description:
      'Keys are regular expressions, bare or as /pattern/flags. A /pattern/ that does not compile, one over 200 ' +
      'characters, or one that can backtrack for a very long time (nested or overlapping repetitions such as ' +
      '(a+)+ or \\w+\\s?\\w+!) is refused with 400 VALIDATION_FAILED; a bare key that does not compile is matched as plain text.',
  })
  @IsOptional()
  @IsBoolean()
  useRegex?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @MaxNesting()
  extensions?: Record<string, unknown>;
}
