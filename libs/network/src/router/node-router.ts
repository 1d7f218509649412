import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { InferenceNodes, type NodeInferenceRequest, type NodeStream } from '../inference-node';
import { CircuitBreaker } from './circuit-breaker';
import { NodeDirectory } from './node-directory';
import { NodeLoad } from './node-load';
import type { NodeTarget } from './node-target';
import { RoutedStream, type RoutingPolicy } from './routed-stream';

/**
 * Picks a node per reply (docs/network.md): among the healthy nodes that serve the model and whose circuit is not
 * open, the one with the fewest streams open from this api, then the lowest recent time to first token.
 */
@Injectable()
export class NodeRouter extends InferenceNodes implements RoutingPolicy {
  readonly logger = new Logger(NodeRouter.name);
  readonly breaker = new CircuitBreaker();
  readonly load = new NodeLoad();
  readonly maxAttempts: number;
  readonly itlTimeoutMs: number;

  constructor(
    config: AppConfig,
    private readonly directory: NodeDirectory,
  ) {
    super();
    this.maxAttempts = config.network.maxAttempts;
    this.itlTimeoutMs = config.network.itlTimeoutMs;
  }

  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    return new RoutedStream(this, request, signal);
  }

  async choose(modelId: string, tried: ReadonlySet<string>): Promise<NodeTarget | undefined> {
    const now = Date.now();
    const open = (await this.directory.candidates(modelId, now)).filter(
      (target) => !tried.has(target.key) && (target.inProcess || this.breaker.allows(target.key, now)),
    );
    open.sort(
      (a, b) =>
        this.load.outstanding(a.key) - this.load.outstanding(b.key) ||
        this.load.recentTtft(a.key) - this.load.recentTtft(b.key),
    );
    return open[0];
  }
}
