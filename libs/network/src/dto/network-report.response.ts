import { ApiProperty } from '@nestjs/swagger';

class EntityShareResponse {
  @ApiProperty({
    description: 'Node id, operator handle (platform: the in-process node), provider, region or TEE kind',
  })
  key!: string;
  @ApiProperty() requests!: number;
  @ApiProperty() promptTokens!: number;
  @ApiProperty() completionTokens!: number;
  @ApiProperty({ description: 'Of the window’s requests, 0–1' }) share!: number;
}

class ConcentrationResponse {
  @ApiProperty({ type: [EntityShareResponse], description: 'Largest share first' })
  entities!: EntityShareResponse[];
  @ApiProperty({ description: 'Herfindahl–Hirschman index: sum of squared percent shares, 0–10,000' })
  hhi!: number;
  @ApiProperty({ description: 'The fewest entities whose shares sum past 50%; 0 without traffic' })
  nakamoto!: number;
}

class WindowReportResponse {
  @ApiProperty({ description: 'The first hour counted' }) since!: Date;
  @ApiProperty() requests!: number;
  @ApiProperty() promptTokens!: number;
  @ApiProperty() completionTokens!: number;
  @ApiProperty({ type: ConcentrationResponse }) nodes!: ConcentrationResponse;
  @ApiProperty({ type: ConcentrationResponse }) operators!: ConcentrationResponse;
  @ApiProperty({ type: ConcentrationResponse }) providers!: ConcentrationResponse;
  @ApiProperty({ type: ConcentrationResponse }) regions!: ConcentrationResponse;
  @ApiProperty({ type: ConcentrationResponse }) teeKinds!: ConcentrationResponse;
  @ApiProperty({ description: 'Requests that came through a registered OHTTP relay (docs/privacy.md)' })
  privateRequests!: number;
  @ApiProperty({
    type: ConcentrationResponse,
    description: 'Private requests by the operator (handle) of the relay they came through',
  })
  relayOperators!: ConcentrationResponse;
}

class WindowsResponse {
  @ApiProperty({ name: '1h', type: WindowReportResponse }) '1h'!: WindowReportResponse;
  @ApiProperty({ name: '24h', type: WindowReportResponse }) '24h'!: WindowReportResponse;
  @ApiProperty({ name: '7d', type: WindowReportResponse }) '7d'!: WindowReportResponse;
}

class NodeCountsResponse {
  @ApiProperty() active!: number;
  @ApiProperty() draining!: number;
  @ApiProperty({
    description: 'Active or draining, but no heartbeat for 3 intervals (as GET /v1/nodes lists it)',
  })
  offline!: number;
  @ApiProperty() revoked!: number;
  @ApiProperty({ description: 'A spot check found its output differing from another operator’s' })
  suspect!: number;
  @ApiProperty({ description: 'Active with a heartbeat younger than 3 intervals' }) healthy!: number;
}

class ConcentrationWarningResponse {
  @ApiProperty({
    enum: ['share', 'operators', 'minOperators', 'unserved', 'relayGateway'],
    description:
      'share: one entity serves more than NETWORK_MAX_SHARE of a window; operators: a model healthy nodes ' +
      'serve (or live personas use) has fewer than NETWORK_MIN_OPERATORS operators among healthy nodes, ' +
      'none for models only stopped or revoked nodes listed; minOperators: `personas` live personas require ' +
      'more independent operators than serve their model (they cannot reply); unserved: live personas use a ' +
      'model no healthy node serves; relayGateway: one operator (key) runs both the relay `relayId` and the ' +
      'gateway node `nodeId` behind it for `requests` private requests, so it sees who asked and what',
  })
  kind!: 'share' | 'operators' | 'minOperators' | 'unserved' | 'relayGateway';
  @ApiProperty({ required: false, enum: ['1h', '24h', '7d'] }) window?: string;
  @ApiProperty({ required: false, enum: ['operator', 'provider', 'teeKind', 'relayOperator'] })
  dimension?: string;
  @ApiProperty({ required: false }) key?: string;
  @ApiProperty({ required: false }) share?: number;
  @ApiProperty({ required: false }) modelId?: string;
  @ApiProperty({ required: false }) operators?: number;
  @ApiProperty({ required: false, description: 'The minimum those personas require' }) minOperators?: number;
  @ApiProperty({ required: false, description: 'How many live personas the warning concerns' })
  personas?: number;
  @ApiProperty({ required: false }) relayId?: string;
  @ApiProperty({ required: false }) nodeId?: string;
  @ApiProperty({ required: false, description: 'Private requests the warning concerns' }) requests?: number;
}

export class NetworkReportResponse {
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({ type: NodeCountsResponse }) nodes!: NodeCountsResponse;
  @ApiProperty({ type: WindowsResponse }) windows!: WindowsResponse;
  @ApiProperty({ type: [ConcentrationWarningResponse] }) warnings!: ConcentrationWarningResponse[];
}
