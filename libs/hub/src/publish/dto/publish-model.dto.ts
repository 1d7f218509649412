import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString } from 'class-validator';

export class PublishModelDto {
  @ApiProperty({
    description:
      'The manifest as signed (docs/hub.md): every field is checked and problems are named per field',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  manifest!: Record<string, unknown>;

  @ApiProperty({ description: "The publisher's EIP-712 signature over the manifest (0x-hex, 65 bytes)" })
  @IsString()
  signature!: string;
}
