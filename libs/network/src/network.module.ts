import { Module } from '@nestjs/common';
import { InferenceModule } from '@app/inference';
import { RateLimitModule } from '@app/rate-limit';
import { InferenceNodes } from './inference-node';
import { LocalNode } from './local-node';
import { NodesController } from './nodes.controller';
import { NodesRepository } from './nodes.repository';
import { NodesService } from './nodes.service';
import { NodeDirectory } from './router/node-directory';
import { NodeRouter } from './router/node-router';
import { HttpNodeConnector, RemoteNodeConnector } from './router/remote-node-connector';
import { RouterIdentity } from './router-identity';

@Module({
  imports: [InferenceModule, RateLimitModule],
  controllers: [NodesController],
  providers: [
    NodesRepository,
    NodesService,
    LocalNode,
    RouterIdentity,
    NodeDirectory,
    NodeRouter,
    { provide: RemoteNodeConnector, useClass: HttpNodeConnector },
    { provide: InferenceNodes, useExisting: NodeRouter },
  ],
  exports: [NodesRepository, LocalNode, RouterIdentity, InferenceNodes],
})
export class NetworkModule {}
