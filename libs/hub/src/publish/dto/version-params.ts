import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { MANIFEST_LIMITS } from '../../manifest/manifest';

export class VersionParams {
  @IsString()
  @MaxLength(100)
  slug!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MANIFEST_LIMITS.maxVersion)
  version!: number;
}
