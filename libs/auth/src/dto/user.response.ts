import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() handle!: string;
  @ApiProperty({ enum: ['creator', 'consumer', 'operator', 'admin'] }) role!: string;
  @ApiProperty() createdAt!: Date;
}

export class SignUpResponse extends UserResponse {
  @ApiProperty({ description: 'Shown once. Send it as "Authorization: Bearer <apiKey>".' }) apiKey!: string;
}

export class KeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The first characters of the key, to tell keys apart' }) prefix!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastUsedAt!: Date | null;
  @ApiPropertyOptional({ nullable: true, type: Date }) revokedAt!: Date | null;
}

export class NewKeyResponse extends KeyResponse {
  @ApiProperty({ description: 'Shown once.' }) apiKey!: string;
}
