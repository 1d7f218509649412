import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class GatewayAttestationResponse {
  @ApiProperty({ enum: ['dev', 'nitro', 'tdx', 'sgx'] }) kind!: string;
  @ApiProperty() document!: string;
  @ApiPropertyOptional({ description: 'DCAP collateral, for TDX/SGX quotes' }) collateral?: unknown;
}

export class GatewayResponse {
  @ApiProperty() nodeId!: string;
  @ApiProperty({ description: 'The node key its attestation binds; it signs the key configuration' })
  nodeAddress!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: the platform’s own (in-process) node' })
  operatorId!: string | null;
  @ApiProperty({
    description:
      'Where a relay forwards: absolute for a remote node, relative to the api for the in-process one',
  })
  gatewayUrl!: string;
  @ApiProperty({
    description: 'base64 of the application/ohttp-keys body (RFC 9458 §3.2), current key first',
  })
  keyConfig!: string;
  @ApiProperty({
    description: 'EIP-191 signature by nodeAddress over the gateway keys message (docs/privacy.md)',
  })
  keySignature!: string;
  @ApiProperty({ description: 'When the signed configuration stops holding; fetch again before' })
  keysExpireAt!: string;
  @ApiProperty({ type: GatewayAttestationResponse }) attestation!: GatewayAttestationResponse;
}

export class GatewayListResponse {
  @ApiProperty({ type: [GatewayResponse] }) data!: GatewayResponse[];
}
