import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { ECONOMICS_WINDOWS, type EconomicsWindow } from '../node-economics.service';

// A query value as a number; blank (`?watts=`) is a mistake to report, not 0 (what Number('') makes of it).
const toNumber = Transform(({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value),
);

// Generous bounds that still refuse nonsense (a negative price, a month of 10^300 dollars) with a 400.
const MAX_USD = 1e9;

function Usd(description: string, setting: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      description: `${description} (default: ${setting})`,
      minimum: 0,
      maximum: MAX_USD,
    })(target, key);
    IsOptional()(target, key);
    toNumber(target, key);
    IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
    Min(0)(target, key);
    Max(MAX_USD)(target, key);
  };
}

export class NodeEconomicsQuery {
  @ApiPropertyOptional({ enum: Object.keys(ECONOMICS_WINDOWS), default: '7d' })
  @IsOptional()
  @IsIn(Object.keys(ECONOMICS_WINDOWS))
  window: EconomicsWindow = '7d';

  @Usd('USD earned per 1,000 tokens served', 'NODE_PRICE_PER_1K_TOKENS')
  pricePer1kTokens?: number;

  @Usd('Hardware price in USD, depreciated straight-line', 'NODE_HARDWARE_USD')
  hardwareUsd?: number;

  @ApiPropertyOptional({
    description: 'Months the hardware is written off over (default: NODE_HARDWARE_LIFETIME_MONTHS)',
  })
  @IsOptional()
  @toNumber
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(600)
  lifetimeMonths?: number;

  @ApiPropertyOptional({ description: 'Power drawn while up, in watts (default: NODE_POWER_WATTS)' })
  @IsOptional()
  @toNumber
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000)
  watts?: number;

  @Usd('USD per kWh', 'NODE_KWH_USD')
  kwhUsd?: number;

  @Usd('Bandwidth, USD a month', 'NODE_BANDWIDTH_USD_PER_MONTH')
  bandwidthUsdPerMonth?: number;

  @Usd('Hosting, USD a month', 'NODE_HOSTING_USD_PER_MONTH')
  hostingUsdPerMonth?: number;
}
