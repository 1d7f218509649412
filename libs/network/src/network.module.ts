import { Module } from '@nestjs/common';
import { InferenceModule } from '@app/inference';
import { InferenceNodes } from './inference-node';
import { LocalNode } from './local-node';
import { NodesRepository } from './nodes.repository';
import { RouterIdentity } from './router-identity';

@Module({
  imports: [InferenceModule],
  providers: [
    NodesRepository,
    LocalNode,
    RouterIdentity,
    // Until the router lands, the in-process node is the only node.
    { provide: InferenceNodes, useExisting: LocalNode },
  ],
  exports: [NodesRepository, LocalNode, RouterIdentity, InferenceNodes],
})
export class NetworkModule {}
