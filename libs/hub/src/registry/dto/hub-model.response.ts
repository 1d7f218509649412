import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HubPinsResponse {
  @ApiProperty({ description: 'Healthy nodes holding the artifact' })
  nodes!: number;

  @ApiProperty({ description: 'Distinct operators among them' })
  operators!: number;
}

/** One search hit. */
export class HubModelSummary {
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty() task!: string;
  @ApiProperty() domain!: string;
  @ApiProperty() license!: string;
  @ApiProperty() precision!: string;
  @ApiProperty({ description: 'SHA-256 (hex) of the newest version’s artifact' }) sha256!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'The publishing account’s handle' }) publisher!: string;
  @ApiProperty({ type: HubPinsResponse }) pins!: HubPinsResponse;
  @ApiProperty({ nullable: true, type: String }) derivedFrom!: string | null;
  @ApiProperty({ nullable: true, type: String }) derivation!: string | null;
}

export class HubModelsPageResponse {
  @ApiProperty({ type: [HubModelSummary] }) data!: HubModelSummary[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
  @ApiProperty({
    description: 'What was read from the query text',
    example: { constraints: ['precision: int8'] },
  })
  understood!: { constraints: string[] };
  @ApiProperty({ description: 'Matching models, all pages' }) total!: number;
}

export class HubVersionResponse {
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'The manifest as the publisher signed it (EIP-712, docs/hub.md)' })
  manifest!: unknown;
  @ApiProperty({ description: 'EIP-712 digest (0x-hex)' }) manifestDigest!: string;
  @ApiProperty() signature!: string;
  @ApiProperty({ description: 'The address that signed' }) signer!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty() bytes!: number;
  @ApiProperty({ description: 'Whether this hub holds the bytes (else fetch from a pinning node)' })
  artifactStored!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({
    nullable: true,
    description:
      'Where the manifest digest is anchored on chain, beside receipts: { root, leafIndex, proof, chainId, contract, ' +
      'txHash, blockNumber } (an OpenZeppelin StandardMerkleTree proof); null until its batch is anchored',
  })
  anchor!: {
    root: string;
    leafIndex: number;
    proof: string[];
    chainId: number | null;
    contract: string | null;
    txHash: string;
    blockNumber: number | null;
  } | null;
}

export class HubModelDetail extends HubModelSummary {
  @ApiProperty() description!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: [String] }) datasets!: string[];
  @ApiProperty() metrics!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) familyId!: string | null;
  @ApiProperty() hidden!: boolean;
  @ApiPropertyOptional({ description: 'Why a hidden model still answers here' }) note?: string;
  @ApiProperty({ type: HubVersionResponse, nullable: true }) latest!: HubVersionResponse | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class HubVersionsResponse {
  @ApiProperty() slug!: string;
  @ApiProperty({ type: [HubVersionResponse] }) data!: HubVersionResponse[];
}

export class HubLineageEntry {
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty() precision!: string;
  @ApiProperty({ nullable: true, type: String }) derivedFrom!: string | null;
  @ApiProperty({ nullable: true, type: String }) derivation!: string | null;
  @ApiProperty() hidden!: boolean;
}

export class HubLineageResponse {
  @ApiProperty() slug!: string;
  @ApiProperty({ type: [HubLineageEntry], description: 'Parent first, then its parent, …' })
  ancestors!: HubLineageEntry[];
  @ApiProperty({ type: [HubLineageEntry], description: 'Models derived from this one (direct)' })
  derived!: HubLineageEntry[];
  @ApiPropertyOptional({ description: 'An ancestor named but not in this hub' }) missingAncestor?: string;
}

export class HubLocation {
  @ApiProperty() nodeId!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ nullable: true, type: String }) operatorId!: string | null;
  @ApiProperty({ description: '<url>/hub/artifacts/<sha256>' }) artifactUrl!: string;
}

export class HubLocationsResponse {
  @ApiProperty() sha256!: string;
  @ApiProperty({ type: [HubLocation] }) data!: HubLocation[];
}
