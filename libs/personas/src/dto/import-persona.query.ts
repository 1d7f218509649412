import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { SLUG_PATTERN } from '../slug';
import { MODEL_ID_MESSAGE, MODEL_ID_PATTERN, VERIFICATION_LEVELS, VISIBILITIES } from './persona-fields.dto';

export class ImportPersonaQuery {
  @ApiPropertyOptional({ description: 'URL name; made from the card name when left out' })
  @IsOptional()
  @Matches(SLUG_PATTERN, { message: 'slug must be 1–64 lowercase letters, digits or dashes' })
  slug?: string;

  @ApiPropertyOptional({ enum: VISIBILITIES, default: 'public' })
  @IsOptional()
  @IsIn(VISIBILITIES)
  visibility?: (typeof VISIBILITIES)[number];

  @ApiPropertyOptional({ example: 'embedded' })
  @IsOptional()
  @Matches(MODEL_ID_PATTERN, { message: MODEL_ID_MESSAGE })
  modelId?: string;

  @ApiPropertyOptional({ enum: VERIFICATION_LEVELS, default: 'none' })
  @IsOptional()
  @IsIn(VERIFICATION_LEVELS)
  verification?: (typeof VERIFICATION_LEVELS)[number];
}

export const EXPORT_FORMATS = ['ccv2', 'ccv3', 'png'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportPersonaQuery {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'ccv3' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
  format: ExportFormat = 'ccv3';
}
