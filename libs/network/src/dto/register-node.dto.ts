import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEthereumAddress,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
} from 'class-validator';
import { IsNodeUrl } from './node-url.decorator';
import { IsSignature } from './signature';

export const NODE_MODEL_IDS_MAX = 32;

export class RegisterNodeDto {
  @ApiProperty({ description: 'The node key’s address; the signature must recover to it' })
  @IsEthereumAddress()
  address!: string;

  @ApiProperty({ example: 'gpu-box-1' })
  @IsString()
  @Length(1, 64)
  name!: string;

  @ApiProperty({
    example: 'https://node1.example.com',
    description:
      'Where the router calls the node; no user name or password, no link-local or cloud metadata address',
  })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @IsNodeUrl()
  @Length(1, 2048)
  url!: string;

  @ApiProperty({ example: ['embedded'], description: 'The model ids the node serves' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NODE_MODEL_IDS_MAX)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  modelIds!: string[];

  @ApiPropertyOptional({ example: 'eu-west' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  region?: string;

  @ApiPropertyOptional({
    example: 'hetzner',
    description: 'The hosting provider, as the operator declares it',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  provider?: string;

  @ApiProperty({ description: 'When the node signed, ms since the epoch; accepted within 5 minutes' })
  @IsInt()
  issuedAt!: number;

  @ApiProperty({
    description:
      'personal_sign by the node key over "twinproof-node-registration\\n<operatorUserId>\\n<address>\\n<url>\\n<issuedAt>"',
  })
  @IsSignature()
  signature!: string;
}
