import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { IsSignature } from './signature';

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
}
