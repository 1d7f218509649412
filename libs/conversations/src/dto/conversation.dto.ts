import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class CreateConversationDto {
  @ApiProperty({ description: 'The persona to talk to: its id or slug' })
  @IsString()
  @MaxLength(100)
  personaId!: string;
}

export class MessagesQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only messages older than this one (nextBefore of the previous page)',
  })
  @IsOptional()
  @IsUUID()
  before?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;
}
