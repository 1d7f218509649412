import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CreatePersonaDto } from './create-persona.dto';

export class PersonaResponse extends CreatePersonaDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() declare slug: string;
  @ApiProperty({ description: 'The current version number; every edit adds one' }) version!: number;
  @ApiProperty({ description: "keccak256 of the version's canonical JSON (bytes32 hex)" })
  versionHash!: string;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty() ownerHandle!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class PersonaSummaryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['public', 'unlisted', 'private'] }) visibility!: string;
  @ApiProperty() modelId!: string;
  @ApiProperty({ enum: ['none', 'attested', 'zk'] }) verification!: string;
  @ApiProperty({ description: 'Independent operators required before a reply starts' }) minOperators!: number;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty() ownerHandle!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class PersonaPageResponse {
  @ApiProperty({ type: [PersonaSummaryResponse] }) data!: PersonaSummaryResponse[];
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Pass as cursor to get the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class PersonaVersionResponse {
  @ApiProperty() version!: number;
  @ApiProperty() hash!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ format: 'uuid' }) createdById!: string;
}
