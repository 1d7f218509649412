import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { PERSONA_LIMITS } from './limits';
import { PersonaFieldsDto } from './persona-fields.dto';

/** Fields left out keep their current value; every accepted edit makes a new immutable version. */
export class UpdatePersonaDto extends PersonaFieldsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(PERSONA_LIMITS.nameChars)
  name?: string;
}
