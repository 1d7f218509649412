import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class MeasuredResponse {
  @ApiProperty({
    description:
      'Hours measured up to the start of the current hour (the window, or since registration); 0: nothing yet',
  })
  hours!: number;
  @ApiProperty() requests!: number;
  @ApiProperty() promptTokens!: number;
  @ApiProperty() completionTokens!: number;
  @ApiProperty({ description: 'Heartbeats received ÷ expected, 0–1' }) uptime!: number;
  @ApiProperty() heartbeats!: number;
  @ApiProperty() expectedHeartbeats!: number;
  @ApiProperty({ description: 'Of the tokens served by all nodes serving the node’s models, 0–1' })
  modelShare!: number;
}

class AssumptionsResponse {
  @ApiProperty() pricePer1kTokens!: number;
  @ApiProperty() hardwareUsd!: number;
  @ApiProperty() lifetimeMonths!: number;
  @ApiProperty() watts!: number;
  @ApiProperty() kwhUsd!: number;
  @ApiProperty() bandwidthUsdPerMonth!: number;
  @ApiProperty() hostingUsdPerMonth!: number;
}

class CostsResponse {
  @ApiProperty({ description: 'Hardware ÷ lifetime months' }) depreciation!: number;
  @ApiProperty({ description: 'kW × 730 h × uptime × kWh price' }) power!: number;
  @ApiProperty() bandwidth!: number;
  @ApiProperty() hosting!: number;
  @ApiProperty() total!: number;
}

class OutcomeResponse {
  @ApiProperty() tokens!: number;
  @ApiProperty({ description: 'USD a month' }) revenue!: number;
  @ApiProperty({ type: CostsResponse }) costs!: CostsResponse;
  @ApiProperty({ description: 'Revenue − costs, USD a month' }) profit!: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Profit over the lifetime ÷ hardware price; null without hardware',
  })
  roi!: number | null;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: 'Hardware ÷ (revenue − cash costs); null: never paid back',
  })
  paybackMonths!: number | null;
}

class MonthlyResponse extends OutcomeResponse {
  @ApiProperty() requests!: number;
}

class ScenarioResponse extends OutcomeResponse {
  @ApiProperty({ enum: ['measured', 'demandHalved', 'operatorsDoubled', 'priceHalved', 'idle'] })
  name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() modelShare!: number;
}

class SensitivityResponse {
  @ApiProperty({ type: [Number] }) priceMultipliers!: number[];
  @ApiProperty({ type: [Number] }) demandMultipliers!: number[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
    description: 'profit[demand][price], USD a month',
  })
  profit!: number[][];
}

export class NodeEconomicsResponse {
  @ApiProperty({ format: 'uuid' }) nodeId!: string;
  @ApiProperty({ enum: ['24h', '7d'] }) window!: string;
  @ApiProperty({ description: 'Start of the span measured' }) from!: Date;
  @ApiProperty({ description: 'End of the span measured: the start of the current hour' }) to!: Date;
  @ApiProperty({ type: MeasuredResponse }) measured!: MeasuredResponse;
  @ApiProperty({ type: AssumptionsResponse }) assumptions!: AssumptionsResponse;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'Set while no complete hour has been measured (measured.hours is 0): says when the first one completes; ' +
      'until then every figure is the assumptions over zero traffic',
  })
  note!: string | null;
  @ApiProperty({ type: MonthlyResponse, description: 'The measured span scaled to a 730-hour month' })
  monthly!: MonthlyResponse;
  @ApiPropertyOptional({ nullable: true, type: Number }) breakEvenPricePer1kTokens!: number | null;
  @ApiProperty({ type: [ScenarioResponse] }) scenarios!: ScenarioResponse[];
  @ApiProperty({ type: SensitivityResponse }) sensitivity!: SensitivityResponse;
}
