import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class UpdateMemoryDto {
  @ApiPropertyOptional({ description: 'The corrected fact, in your own words' })
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'content must not be empty; to forget a memory, DELETE it' })
  @MaxLength(2_000)
  content?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'How much it should weigh in recall' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  importance?: number;
}
