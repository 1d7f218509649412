import { DynamicModule, Module } from '@nestjs/common';
import { ModelRegistry } from '@app/inference/model-registry';
import { ApiClient } from './api.client';
import { CompletionsController } from './completions.controller';
import { HealthController } from './health.controller';
import { HubArtifactsController } from './hub-artifacts.controller';
import { HubPins } from './hub-pins';
import { NodeDrain } from './node-drain';
import { NodeEvidence } from './node-evidence';
import { NodeGateway } from './node-gateway';
import { NodeIdentity } from './node-identity';
import { NodeInference } from './node-inference.service';
import { nodeModelRegistry } from './node-models';
import type { NodeOptions } from './node-options';
import { NodePresence } from './node-presence';
import { OhttpController } from './ohttp.controller';
import { ProbeController } from './probe.controller';
import { NODE_OPTIONS } from './node.tokens';
import { ReplayGuard } from './replay-guard';
import { RouterCredentialGuard } from './router-credential.guard';

/** The node process (docs/network.md): its key, its presence at the api, and the inference API it serves. */
@Module({})
export class NodeModule {
  static register(options: NodeOptions): DynamicModule {
    return {
      module: NodeModule,
      controllers: [
        CompletionsController,
        HealthController,
        HubArtifactsController,
        OhttpController,
        ProbeController,
      ],
      providers: [
        { provide: NODE_OPTIONS, useValue: options },
        { provide: ModelRegistry, useFactory: () => nodeModelRegistry(options) },
        { provide: ReplayGuard, useValue: new ReplayGuard() },
        ApiClient,
        HubPins,
        NodeDrain,
        NodeEvidence,
        NodeGateway,
        NodeIdentity,
        NodeInference,
        NodePresence,
        RouterCredentialGuard,
      ],
    };
  }
}
