import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { InferenceNodes, type NodeInferenceRequest, type NodeStream } from '../inference-node';
import { CircuitBreaker } from './circuit-breaker';
import { NodeDirectory } from './node-directory';
import { NodeLoad } from './node-load';
import type { NodeTarget } from './node-target';
import { RoutedStream, type RoutingPolicy } from './routed-stream';

/** Who runs a target: the in-process node (no operator account) is the platform's, one operator like any other. */
const PLATFORM = 'platform';

/** Fewer independent operators serve the model than the persona requires: nothing was sent to any node. */
export class NotEnoughOperatorsError extends DomainError {
  constructor(modelId: string, operators: number, required: number) {
    super(
      ErrorCode.NOT_ENOUGH_OPERATORS,
      `This persona replies only while at least ${required} independent operators serve its model (${modelId}); ` +
        `${operators} do now. Try again later.`,
      { modelId, operators, required },
    );
  }
}

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
  readonly minTokensPerS: number;

  constructor(
    config: AppConfig,
    private readonly directory: NodeDirectory,
  ) {
    super();
    this.maxAttempts = config.network.maxAttempts;
    this.itlTimeoutMs = config.network.itlTimeoutMs;
    this.minTokensPerS = config.network.minTokensPerS;
  }

  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    return new RoutedStream(this, request, signal);
  }

  /**
   * Before a reply starts: the persona's minOperators against the distinct operators among the healthy nodes for
   * the model (the directory's snapshot, so no extra query per reply). A node whose circuit is open does not count:
   * it failed its last replies, and an operator whose only nodes take traffic and fail it is not serving the model.
   * A half-open one counts: its trial may close it.
   */
  async admit(request: NodeInferenceRequest): Promise<void> {
    const required = request.minOperators ?? 1;
    if (required <= 1) return;
    const { modelId } = request.model;
    const now = Date.now();
    const candidates = (await this.directory.candidates(modelId, now)).filter(
      (target) => target.inProcess || !this.breaker.isOpen(target.key, now),
    );
    const operators = new Set(candidates.map((target) => target.operatorId ?? PLATFORM)).size;
    if (operators < required) throw new NotEnoughOperatorsError(modelId, operators, required);
  }

  async choose(modelId: string, tried: ReadonlySet<string>): Promise<NodeTarget | undefined> {
    const now = Date.now();
    const untried = (await this.directory.candidates(modelId, now)).filter(
      (target) => !tried.has(target.key),
    );
    const allowed = untried.filter((target) => target.inProcess || this.breaker.allows(target.key, now));
    // Circuits decide where replies go first, never that a reply is lost while a node listed healthy is untried: when
    // one node dies, the burst of its failed replies can find every other circuit open or half-open with its one
    // trial in flight (a churn run lost 6% of chats that way). A dead node answers such a try at once (refused).
    const open = allowed.length > 0 ? allowed : untried;
    open.sort(
      (a, b) =>
        this.load.outstanding(a.key) - this.load.outstanding(b.key) ||
        this.load.recentTtft(a.key) - this.load.recentTtft(b.key),
    );
    return open[0];
  }
}
