import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MANIFEST_LIMITS } from '../../manifest/manifest';

export class ArtifactVersionQuery {
  @ApiPropertyOptional({ description: 'A version number; the newest version when left out' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MANIFEST_LIMITS.maxVersion)
  version?: number;
}
