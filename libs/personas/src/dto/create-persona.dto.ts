import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PERSONA_LIMITS } from './limits';
import { PersonaFieldsDto } from './persona-fields.dto';

export class CreatePersonaDto extends PersonaFieldsDto {
  @ApiProperty({ example: 'Seraphina' })
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(PERSONA_LIMITS.nameChars)
  name!: string;
}
