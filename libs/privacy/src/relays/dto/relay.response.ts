import { ApiProperty } from '@nestjs/swagger';

class RelayOperatorResponse {
  @ApiProperty() id!: string;
  @ApiProperty() handle!: string;
}

export class RelayResponse {
  @ApiProperty() id!: string;
  @ApiProperty() url!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: RelayOperatorResponse,
    description: 'Who runs it: pick a relay the gateway’s operator does not',
  })
  operator!: RelayOperatorResponse;
}

export class RelayListResponse {
  @ApiProperty({ type: [RelayResponse] }) data!: RelayResponse[];
}
