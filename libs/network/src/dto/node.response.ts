import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const STATUSES = ['active', 'draining', 'offline', 'revoked', 'suspect'];

export class RegisteredNodeResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ description: 'The attestation the api issued for the node key: { kind, document }' })
  attestation!: unknown;
  @ApiProperty({ description: 'The only key whose router credentials the node may accept' })
  routerAddress!: string;
}

export class NodeHeartbeatResponse {
  @ApiProperty({ enum: STATUSES, description: 'The node’s status as the api sees it' }) status!: string;
  @ApiProperty({ description: 'The router key the node must accept now' }) routerAddress!: string;
  @ApiProperty({
    description:
      'Whether the api’s liveness probe reached the node at its registered URL recently (docs/network.md, Liveness ' +
      'probes); false: the node is not routed to',
  })
  probed!: boolean;
}

export class NodeResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'The operator’s handle; null in-process',
  })
  operator!: string | null;
  @ApiProperty({ type: [String] }) modelIds!: string[];
  @ApiPropertyOptional({ nullable: true, type: String }) region!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) provider!: string | null;
  @ApiProperty({ example: 'dev' }) attestationKind!: string;
  @ApiProperty({
    enum: STATUSES,
    description:
      'offline: active or draining, but no heartbeat for 3 intervals (NODE_HEARTBEAT_MS); derived when read, ' +
      'the next heartbeat restores what the node says',
  })
  status!: string;
  @ApiPropertyOptional({ nullable: true, type: Date }) lastHeartbeatAt!: Date | null;
  @ApiProperty({
    description:
      'Active with a heartbeat younger than 3 intervals (NODE_HEARTBEAT_MS) and, for an operator’s node, a passed ' +
      'liveness probe as young; a new node is false until its first probe passes',
  })
  healthy!: boolean;
}

export class NodesPageResponse {
  @ApiProperty({ type: [NodeResponse], description: 'Newest first' })
  data!: NodeResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null on the last',
  })
  nextCursor!: string | null;
}
