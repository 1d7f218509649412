import { Module } from '@nestjs/common';
import { InferenceModule } from '@app/inference';
import { RateLimitModule } from '@app/rate-limit';
import { AttestationPolicyProvider } from './attestation-policy';
import { NodeEconomicsRepository } from './economics/node-economics.repository';
import { NodeEconomicsService } from './economics/node-economics.service';
import { HubPinRecorder } from './hub-pin-recorder';
import { InferenceNodes } from './inference-node';
import { LocalNode } from './local-node';
import { NodesController } from './nodes.controller';
import { NodesRepository } from './nodes.repository';
import { NodesService } from './nodes.service';
import { NetworkReportService } from './traffic/network-report.service';
import { NetworkRollupModule } from './traffic/network-rollup.module';
import { PersonaRequirementsRepository } from './traffic/persona-requirements.repository';
import { RelayTrafficRepository } from './traffic/relay-traffic.repository';
import { NetworkController } from './traffic/network.controller';
import { NodeDirectory } from './router/node-directory';
import { NodeProber } from './router/node-prober';
import { NodeRouter } from './router/node-router';
import { HttpNodeConnector, RemoteNodeConnector } from './router/remote-node-connector';
import { RouterIdentity } from './router-identity';

@Module({
  imports: [InferenceModule, RateLimitModule, NetworkRollupModule],
  controllers: [NodesController, NetworkController],
  providers: [
    AttestationPolicyProvider,
    HubPinRecorder,
    NodesRepository,
    NodesService,
    NetworkReportService,
    PersonaRequirementsRepository,
    RelayTrafficRepository,
    NodeEconomicsRepository,
    NodeEconomicsService,
    LocalNode,
    RouterIdentity,
    NodeDirectory,
    NodeRouter,
    NodeProber,
    { provide: RemoteNodeConnector, useClass: HttpNodeConnector },
    { provide: InferenceNodes, useExisting: NodeRouter },
  ],
  exports: [NodesRepository, LocalNode, RouterIdentity, InferenceNodes, RelayTrafficRepository],
})
export class NetworkModule {}
