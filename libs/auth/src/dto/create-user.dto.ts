import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';

export const SIGNUP_ROLES = ['creator', 'consumer', 'operator'] as const;
export type SignupRole = (typeof SIGNUP_ROLES)[number];

export class CreateUserDto {
  @ApiProperty({ example: 'ada', description: '3–32 characters: lowercase letters, digits, _ and -' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{2,31}$/, {
    message:
      'handle must be 3–32 characters of lowercase letters, digits, _ or -, starting with a letter or digit',
  })
  handle!: string;

  @ApiProperty({ enum: SIGNUP_ROLES, description: 'admin accounts cannot be created by sign-up' })
  @IsIn(SIGNUP_ROLES, { message: `role must be one of ${SIGNUP_ROLES.join(', ')}` })
  role!: SignupRole;
}

export class CreateKeyDto {
  @ApiProperty({ example: 'laptop', required: false })
  @IsString()
  @Matches(/^.{1,64}$/, { message: 'name must be 1–64 characters' })
  name: string = 'default';
}
