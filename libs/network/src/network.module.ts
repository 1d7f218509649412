import { Module } from '@nestjs/common';
import { LocalNode } from './local-node';
import { NodesRepository } from './nodes.repository';
import { RouterIdentity } from './router-identity';

@Module({
  providers: [NodesRepository, LocalNode, RouterIdentity],
  exports: [NodesRepository, LocalNode, RouterIdentity],
})
export class NetworkModule {}
