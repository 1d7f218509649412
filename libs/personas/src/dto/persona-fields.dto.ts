import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsByteLength,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  Max,
  Min,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
  ValidateIf,
} from 'class-validator';
import { SLUG_PATTERN } from '../slug';
import { PERSONA_LIMITS as L } from './limits';
import { MaxNesting } from './max-nesting.decorator';
import { IsStringRecord } from './string-record.decorator';
import { LorebookEntryDto } from './lorebook-entry.dto';
import { OptionalText, OptionalTextList } from './text-field.decorators';

export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;
export const VERIFICATION_LEVELS = ['none', 'attested', 'zk'] as const;
export const MIN_OPERATORS_RANGE = { min: 1, max: 10 } as const;
// `=` and `,` too: an inline embedded profile (`embedded:ttft=300,tps=5`) is a model id nodes register and serve.
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._:/=,-]{0,99}$/i;
export const MODEL_ID_MESSAGE = 'modelId must be 1–100 letters, digits or . _ : / - = ,';

class CardAssetDto {
  @IsString() @MaxLength(L.shortTextChars) type!: string;
  @IsString() @IsByteLength(0, L.textBytes) uri!: string;
  @IsString() @MaxLength(L.shortTextChars) name!: string;
  @IsString() @MaxLength(64) ext!: string;
}

class LorebookSettingsDto {
  @IsOptional() @IsString() @MaxLength(L.shortTextChars) name?: string;
  @IsOptional() @IsString() @IsByteLength(0, L.textBytes) description?: string;
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000) scanDepth?: number | null;
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000) tokenBudget?: number | null;
  @IsOptional() @IsBoolean() recursiveScanning?: boolean;
  @IsOptional() @IsObject() @MaxNesting() extensions?: Record<string, unknown>;
}

export class PersonaFieldsDto {
  @ApiPropertyOptional({ description: 'URL name; made from the name when left out', example: 'seraphina' })
  @IsOptional()
  @Matches(SLUG_PATTERN, {
    message: 'slug must be 1–64 lowercase letters, digits or dashes, not starting or ending with a dash',
  })
  slug?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(L.shortTextChars) nickname?: string;
  @OptionalText() description?: string;
  @OptionalText() personality?: string;
  @OptionalText() scenario?: string;
  @OptionalText() firstMessage?: string;
  @OptionalText() exampleDialogues?: string;

  @OptionalTextList(L.greetings, { maxBytes: L.textBytes })
  alternateGreetings?: string[];

  @OptionalTextList(L.greetings, { maxBytes: L.textBytes })
  groupOnlyGreetings?: string[];

  @OptionalText() systemPrompt?: string;
  @OptionalText() postHistoryInstructions?: string;
  @OptionalText() creatorNotes?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  @IsStringRecord()
  creatorNotesMultilingual?: Record<string, string>;

  @OptionalTextList(L.tags, { maxChars: L.tagChars })
  tags?: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(L.shortTextChars) creator?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(L.shortTextChars) characterVersion?: string;

  @OptionalTextList(L.greetings, { maxBytes: L.textBytes })
  source?: string[];

  @ApiPropertyOptional({ type: [CardAssetDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.greetings)
  @ValidateNested({ each: true })
  @Type(() => CardAssetDto)
  assets?: CardAssetDto[];

  @ApiPropertyOptional({ type: [LorebookEntryDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.lorebookEntries, { message: `lorebook may hold at most ${L.lorebookEntries} entries` })
  @ValidateNested({ each: true })
  @Type(() => LorebookEntryDto)
  lorebook?: LorebookEntryDto[];

  @ApiPropertyOptional({ type: LorebookSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LorebookSettingsDto)
  lorebookSettings?: LorebookSettingsDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Other tools' card extensions, kept verbatim",
  })
  @IsOptional()
  @IsObject()
  @MaxNesting()
  extensions?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: VISIBILITIES, default: 'public' })
  @IsOptional()
  @IsIn(VISIBILITIES, { message: `visibility must be one of ${VISIBILITIES.join(', ')}` })
  visibility?: (typeof VISIBILITIES)[number];

  @ApiPropertyOptional({ example: 'embedded', description: 'The hub model that answers as this persona' })
  @IsOptional()
  @Matches(MODEL_ID_PATTERN, { message: MODEL_ID_MESSAGE })
  modelId?: string;

  @ApiPropertyOptional({ enum: VERIFICATION_LEVELS, default: 'none' })
  @IsOptional()
  @IsIn(VERIFICATION_LEVELS, { message: `verification must be one of ${VERIFICATION_LEVELS.join(', ')}` })
  verification?: (typeof VERIFICATION_LEVELS)[number];

  // An operational setting of the persona, not card content: changing it alone makes no new version. Up to 10: more
  // independent operators than a young network has would only take the persona offline, and a typo (100) should be
  // refused rather than do that silently.
  @ApiPropertyOptional({
    minimum: MIN_OPERATORS_RANGE.min,
    maximum: MIN_OPERATORS_RANGE.max,
    default: 1,
    description:
      'Replies start only while at least this many independent operators run healthy nodes for the model ' +
      '(503 NOT_ENOUGH_OPERATORS otherwise); not part of the versioned card',
  })
  // Absent means the default; null is a client's mistake (the column has no null), so it is validated, not skipped.
  @ValidateIf((_, value) => value !== undefined)
  @IsInt()
  @Min(MIN_OPERATORS_RANGE.min)
  @Max(MIN_OPERATORS_RANGE.max)
  minOperators?: number;
}
