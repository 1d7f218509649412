import { Module } from '@nestjs/common';
import { NetworkRollup } from './network-rollup';
import { NetworkTrafficRepository } from './network-traffic.repository';

/** The rollup alone, for the worker: it needs none of the router's providers. */
@Module({
  providers: [NetworkTrafficRepository, NetworkRollup],
  exports: [NetworkTrafficRepository, NetworkRollup],
})
export class NetworkRollupModule {}
