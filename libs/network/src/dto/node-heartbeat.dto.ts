import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBase64,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSignature } from './signature';

/** The node's OHTTP gateway keys, signed by its attested key (docs/privacy.md). */
export class OhttpKeysDto {
  @ApiProperty({ description: 'base64 of the application/ohttp-keys body (RFC 9458 §3.2)' })
  @IsBase64()
  @MaxLength(2_048)
  keyConfig!: string;

  @ApiProperty({
    description: 'personal_sign by the node key over the gateway keys message (docs/privacy.md)',
  })
  @IsSignature()
  signature!: string;

  @ApiProperty({ description: 'ISO-8601: when the signed configuration stops holding' })
  @IsISO8601({ strict: true })
  expiresAt!: string;
}

export class NodeHeartbeatDto {
  @ApiProperty({ description: 'The node’s time, ms since the epoch; accepted within 60 s of the api’s' })
  @IsInt()
  at!: number;

  @ApiProperty({ description: 'Inferences the node is running' })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  outstanding!: number;

  @ApiProperty({ enum: ['active', 'draining'] })
  @IsIn(['active', 'draining'])
  status!: 'active' | 'draining';

  @ApiProperty({
    description:
      'personal_sign by the node key over "twinproof-node-heartbeat\\n<nodeId>\\n<at>\\n<status>\\n<outstanding>"',
  })
  @IsSignature()
  signature!: string;

  @ApiPropertyOptional({ type: OhttpKeysDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OhttpKeysDto)
  ohttpKeys?: OhttpKeysDto;
}
