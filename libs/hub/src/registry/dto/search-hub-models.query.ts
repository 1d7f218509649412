import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** GET /v1/hub/models: free text plus exact facets (docs/hub.md). */
export class SearchHubModelsQuery {
  @ApiPropertyOptional({
    description: 'Free text: typos, synonyms and constraints ("int8", "under 10 MB") understood',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({ example: 'object detection' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  task?: string;

  @ApiPropertyOptional({ example: 'vision' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  domain?: string;

  @ApiPropertyOptional({ example: 'MIT' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  license?: string;

  @ApiPropertyOptional({ example: 'int8' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  precision?: string;

  @ApiPropertyOptional({ description: 'Largest artifact, in bytes' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  maxBytes?: number;

  @ApiPropertyOptional({ example: 'COCO 2017' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  dataset?: string;

  @ApiPropertyOptional({ description: '<metric>:<value>, e.g. top1:0.75', example: 'top1:0.75' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{1,40}:\d+(\.\d+)?$/, {
    message: 'minMetric must be <metric>:<number>, e.g. top1:0.75',
  })
  minMetric?: string;

  @ApiPropertyOptional({ description: 'Pinned by at least this many independent operators (healthy nodes)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  minOperators?: number;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit: number = 20;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (an offset into the ranking)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
