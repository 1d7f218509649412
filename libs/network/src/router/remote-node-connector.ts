import { Injectable } from '@nestjs/common';
import type { NodeInferenceRequest, NodeStream } from '../inference-node';
import { RegisteredNode, RemoteNodeClient } from '../remote-node.client';
import { RouterIdentity } from '../router-identity';

export interface NodeConnection {
  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream;
}

/** Makes the client for a registered node; a DI token, so specs can put fakes behind it. */
export abstract class RemoteNodeConnector {
  abstract connect(node: RegisteredNode): NodeConnection;
}

/** Over HTTP, with the api's router credentials on every call. */
@Injectable()
export class HttpNodeConnector extends RemoteNodeConnector {
  constructor(private readonly identity: RouterIdentity) {
    super();
  }

  connect(node: RegisteredNode): NodeConnection {
    return new RemoteNodeClient(node, this.identity);
  }
}
