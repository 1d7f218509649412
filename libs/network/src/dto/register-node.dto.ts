import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBase64,
  IsEthereumAddress,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IsNodeUrl } from './node-url.decorator';
import { IsSignature } from './signature';

export const NODE_MODEL_IDS_MAX = 32;
/** A TDX quote v4 is ~5-8 KB (base64 ~11 KB); room for a longer certification chain. */
export const EVIDENCE_DOCUMENT_MAX_CHARS = 32 * 1024;
/** DCAP collateral (CRLs, TCB info, QE identity, chains) is ~16-40 KB as JSON; under BODY_LIMIT_BYTES (1 MiB). */
export const EVIDENCE_COLLATERAL_MAX_BYTES = 64 * 1024;

// The collateral's inner layout is libs/attestation's to judge (its verdict says what is wrong); only its size is
// bounded here, so a registration cannot make the api parse and store a huge object.
function jsonAtMostBytes(max: number) {
  return ValidateBy({
    name: 'jsonAtMostBytes',
    validator: {
      validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '') <= max,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be at most ${max} bytes as JSON`,
    },
  });
}

/** Hardware evidence a node made for its own key (docs/network.md, TDX evidence). */
export class NodeEvidenceDto {
  @ApiProperty({
    enum: ['tdx'],
    description: 'Only TDX today; a node without evidence gets a dev attestation',
  })
  @IsIn(['tdx'])
  kind!: 'tdx';

  @ApiProperty({
    description:
      'Base64 of the raw DCAP quote (configfs-tsm outblob); its report data = the address then zeros',
  })
  @IsString()
  @Length(1, EVIDENCE_DOCUMENT_MAX_CHARS)
  @IsBase64()
  document!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'DCAP collateral fetched from a PCCS or Intel PCS, as libs/attestation/test-fixtures/tdx_quote_collateral.json',
  })
  @IsObject()
  @jsonAtMostBytes(EVIDENCE_COLLATERAL_MAX_BYTES)
  collateral!: Record<string, unknown>;
}

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

  @ApiPropertyOptional({
    type: NodeEvidenceDto,
    description:
      'A TDX quote binding the address; verified at registration, refused with 403 if it does not verify',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => NodeEvidenceDto)
  evidence?: NodeEvidenceDto;
}
