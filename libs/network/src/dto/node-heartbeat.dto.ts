import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSignature } from './signature';

/** A node reports at most this many pinned hub artifacts (the rest stay unlisted). */
export const MAX_HEARTBEAT_PINS = 10_000;

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

  @ApiPropertyOptional({
    type: [String],
    description:
      'SHA-256 (hex) of the hub artifacts the node pins and serves at /hub/artifacts/<sha256>; when present the ' +
      'signed message ends with "\\npins:<sha256 of the sorted list joined by \\n>" (docs/hub.md)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_HEARTBEAT_PINS)
  @Matches(/^[0-9a-f]{64}$/, {
    each: true,
    message: 'each pin must be a SHA-256 in 64 lower-case hex characters',
  })
  pins?: string[];
}
