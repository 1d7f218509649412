import { linkedAbort } from '@app/common';
import type { Logger } from '@nestjs/common';
import { DomainError } from '@app/common';
import { MAX_CONTINUATION_BYTES } from '@app/node-protocol';
import { abortError, estimateTokens, type FinishReason, isAbortError, ModelError } from '@app/inference';
import type { NodeInferenceRequest, NodeReceipt, NodeStream } from '../inference-node';
import { NoNodeAvailableError, NodeStalledError } from '../nodes.errors';
import type { CircuitBreaker } from './circuit-breaker';
import type { NodeLoad } from './node-load';
import type { NodeTarget } from './node-target';

/** What one routed reply needs from the router. */
export interface RoutingPolicy {
  readonly maxAttempts: number;
  readonly itlTimeoutMs: number;
  /** After the first token a remote node must keep up this rate (NODE_MIN_TOKENS_PER_S); 0: no minimum. */
  readonly minTokensPerS: number;
  readonly breaker: CircuitBreaker;
  readonly load: NodeLoad;
  readonly logger: Logger;
  /** The best node for the model that has not been tried for this reply, or undefined. */
  choose(modelId: string, tried: ReadonlySet<string>): Promise<NodeTarget | undefined>;
  /** Throws (a DomainError) when the reply may not start at all, e.g. too few operators for the persona. */
  admit?(request: NodeInferenceRequest): Promise<void>;
}

/** A remote node that keeps sending, but slower than NODE_MIN_TOKENS_PER_S: failed like a stall, and taken over. */
export class NodeTooSlowError extends ModelError {
  constructor(minTokensPerS: number) {
    super(`The node streamed slower than ${minTokensPerS} tokens/s.`, true);
  }
}

/** NodeStream.takeover: who streamed the start of the reply the finishing node continued. */
type Takeover = NonNullable<NodeStream['takeover']>;

/**
 * One reply through the router: before its first token a failing node is replaced by the next best, invisibly to the
 * client; after it, a failing or stalled node is taken over (docs/network.md): another node continues exactly the
 * text delivered so far, `onTakeover` tells the caller before the new node's first token, and the finishing node's
 * receipt commits to that prefix and who streamed it (receipt v3). NODE_MAX_ATTEMPTS bounds all tries together.
 * Which node answered is known once the first token (or the end) has arrived; after a takeover it is the new one.
 */
export class RoutedStream implements NodeStream {
  private chosen?: NodeStream;
  private chosenKey?: string;
  private tookOver?: Takeover;

  constructor(
    private readonly policy: RoutingPolicy,
    private readonly request: NodeInferenceRequest,
    private readonly signal: AbortSignal,
  ) {}

  get nodeId(): string {
    return this.answering().nodeId;
  }

  get nodeAddress(): string {
    return this.answering().nodeAddress;
  }

  get inProcess(): boolean {
    return this.answering().inProcess;
  }

  get finishReason(): FinishReason {
    return this.answering().finishReason;
  }

  get takeover(): Takeover | undefined {
    return this.tookOver;
  }

  receipt(): Promise<NodeReceipt> {
    return this.answering().receipt();
  }

  // A node whose streams end well but whose receipts do not verify would otherwise win every reply (fast first token,
  // closed circuit) and fail them all: its circuit opens as if nothing listened there.
  rejectReceipt(reason: string): void {
    const key = this.chosenKey;
    if (!key || this.answering().inProcess) return;
    this.policy.breaker.tripped(key);
    this.policy.logger.warn(`Node ${key} sent a receipt the api refused (${reason}); not routed to for now`);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    await this.policy.admit?.(this.request);
    const { modelId } = this.request.model;
    const tried = new Set<string>();
    let attempts = 0;
    let lastError: Error | undefined;
    // Exactly what the caller has been given, and the node that streamed it and then failed (if one did).
    let delivered = '';
    let failed: NodeStream | undefined;
    while (attempts < this.policy.maxAttempts) {
      const target = await this.policy.choose(modelId, tried);
      if (!target) break;
      tried.add(target.key);
      const takeover = failed && {
        prefixNodeId: failed.nodeId,
        prefixNode: failed.nodeAddress,
        prefixBytes: Buffer.byteLength(delivered, 'utf8'),
      };
      const attempt = new Attempt(this.policy, target, this.continued(delivered, takeover), this.signal);
      try {
        const first = await attempt.first();
        this.chosen = attempt.stream;
        this.chosenKey = target.key;
        if (takeover) {
          this.tookOver = takeover;
          this.request.onTakeover?.({ fromNodeId: takeover.prefixNodeId, prefixBytes: takeover.prefixBytes });
        }
        if (first.done) return;
        delivered += first.value;
        yield first.value;
        for await (const delta of attempt.rest()) {
          delivered += delta;
          yield delta;
        }
        return;
      } catch (error) {
        if (this.signal.aborted || !isNodeFault(error)) throw error;
        lastError = error instanceof Error ? error : new Error(String(error));
        // A refused connection costs no time: it does not use up an attempt (each node is still tried once at most).
        if (!isConnectionRefused(error)) attempts += 1;
        // Text reached the caller from this node: the next one continues it, as a takeover. Past the prefix a node
        // accepts (MAX_CONTINUATION_BYTES), no node could: the reply fails as it is.
        if (this.chosen && this.chosenKey === target.key && delivered !== '') failed = this.chosen;
        if (failed && Buffer.byteLength(delivered, 'utf8') > MAX_CONTINUATION_BYTES) throw error;
        this.policy.logger.warn(
          `Node ${target.key} failed ${delivered === '' ? 'before the first token' : 'mid-reply'} of inference ` +
            `${this.request.receipt.inferenceId} (${errorMessage(error)}); trying another node`,
        );
      } finally {
        attempt.close();
      }
    }
    // No node left to take over: the reply fails with the failure that stopped it, the text so far kept as failed.
    throw lastError ?? new NoNodeAvailableError(modelId);
  }

  /** The request a node taking over gets: the original, plus the delivered prefix to continue and sign over. */
  private continued(prefix: string, takeover: Takeover | undefined): NodeInferenceRequest {
    if (!takeover) return this.request;
    return {
      ...this.request,
      model: { ...this.request.model, continuation: prefix },
      continuation: { prefix, prefixNode: takeover.prefixNode },
    };
  }

  private answering(): NodeStream {
    if (!this.chosen) throw new Error('No node has answered this reply yet.');
    return this.chosen;
  }
}

/** One node's try at the reply; it reports the node's outcome to the breaker and its load once. */
class Attempt {
  private readonly controller: AbortController;
  private readonly startedAt = Date.now();
  private readonly unlink: () => void;
  private opened?: { stream: NodeStream; iterator: AsyncIterator<string> };
  private outcome?: 'succeeded' | 'failed' | 'refused' | 'released';
  private answered = false;
  private watchdog?: NodeJS.Timeout;
  private waiting = false;
  private stalled = false;
  // How long the node may still take for its next token, in ms of waiting on it: NODE_ITL_TIMEOUT_MS at most, and
  // after the first token each wait spends it while each token earns 1000 / NODE_MIN_TOKENS_PER_S back. A node that
  // trickles one token just inside the stall timeout runs out within a few tokens (attacker MEDIUM 2); one that keeps
  // the rate never does. Only time the router waits counts: a slow reader does not blame the node.
  private credit: number;
  private waitStartedAt = 0;
  private watchdogMs?: number;
  private readonly msPerToken: number;

  constructor(
    private readonly policy: RoutingPolicy,
    private readonly target: NodeTarget,
    private readonly request: NodeInferenceRequest,
    private readonly signal: AbortSignal,
  ) {
    ({ controller: this.controller, release: this.unlink } = linkedAbort(signal));
    if (!target.inProcess) policy.breaker.claim(target.key);
    policy.load.opened(target.key);
    this.credit = policy.itlTimeoutMs;
    this.msPerToken = policy.minTokensPerS > 0 ? 1000 / policy.minTokensPerS : Infinity;
  }

  get stream(): NodeStream {
    return this.started().stream;
  }

  async first(): Promise<IteratorResult<string>> {
    const first = await this.next(() => {
      const stream = this.target.stream(this.request, this.controller.signal);
      this.opened = { stream, iterator: stream[Symbol.asyncIterator]() };
      return this.opened.iterator.next();
    });
    this.answered = true;
    this.policy.load.firstToken(this.target.key, Date.now() - this.startedAt);
    if (first.done) this.settle('succeeded');
    return first;
  }

  async *rest(): AsyncGenerator<string> {
    const { iterator } = this.started();
    for (;;) {
      const next = await this.next(() => iterator.next());
      if (next.done) break;
      yield next.value;
    }
    this.settle('succeeded');
  }

  /** Ends the attempt however it went: a consumer that stopped early, a failure, or the end of the stream. */
  close(): void {
    clearTimeout(this.watchdog);
    this.unlink();
    if (!this.outcome) {
      this.settle('released');
      this.controller.abort();
      void this.opened?.iterator.return?.()?.catch(() => undefined);
    }
    this.policy.load.closed(this.target.key);
  }

  private started(): { stream: NodeStream; iterator: AsyncIterator<string> } {
    if (!this.opened) throw new Error('The attempt has not started.');
    return this.opened;
  }

  private async next(step: () => Promise<IteratorResult<string>>): Promise<IteratorResult<string>> {
    try {
      if (this.signal.aborted) throw abortError();
      this.waiting = true;
      this.waitStartedAt = Date.now();
      this.armWatchdog();
      const result = await step();
      if (this.answered && !result.done) this.earn(result.value);
      return result;
    } catch (thrown) {
      const error = this.stalled ? this.stallError() : thrown;
      const failed = !this.signal.aborted && isNodeFault(error);
      this.settle(failed ? (isConnectionRefused(error) ? 'refused' : 'failed') : 'released');
      // A node that failed before its first token ranks as the slowest possible, not as an unmeasured one.
      if (failed && !this.answered) this.policy.load.firstToken(this.target.key, this.policy.itlTimeoutMs);
      this.controller.abort();
      throw error;
    } finally {
      this.waiting = false;
    }
  }

  /** A token after the first arrived: the wait is spent, the token earns its allowance, NODE_ITL_TIMEOUT_MS at most. */
  private earn(delta: string): void {
    const waited = Date.now() - this.waitStartedAt;
    // In estimateTokens units, like the reply's cap: an empty piece earns nothing, so it cannot keep a node alive.
    const earned = this.msPerToken * estimateTokens(delta);
    this.credit = Math.min(this.policy.itlTimeoutMs, this.credit - waited + earned);
  }

  // Cut for silence (nothing for NODE_ITL_TIMEOUT_MS) or for a rate below NODE_MIN_TOKENS_PER_S (credit spent).
  private stallError(): ModelError {
    return this.credit < this.policy.itlTimeoutMs
      ? new NodeTooSlowError(this.policy.minTokensPerS)
      : new NodeStalledError(this.policy.itlTimeoutMs);
  }

  // One timer per attempt, restarted at each wait (a timer per token cost ~5 µs a token): a remote node that sends
  // nothing for its credit (NODE_ITL_TIMEOUT_MS while it keeps the rate) while the router waits on it is aborted as
  // stalled. A new timer only when the credit changed, which a node keeping the rate never makes it do. The in-process
  // node is bounded by MODEL_IDLE_TIMEOUT_MS in the reply, as before the network existed.
  private armWatchdog(): void {
    if (this.target.inProcess) return;
    const ms = Math.max(0, this.credit);
    if (this.watchdog && this.watchdogMs === ms) {
      this.watchdog.refresh();
      return;
    }
    clearTimeout(this.watchdog);
    this.watchdogMs = ms;
    this.watchdog = setTimeout(() => {
      if (!this.waiting) return;
      this.stalled = true;
      this.controller.abort();
    }, ms);
  }

  private settle(outcome: 'succeeded' | 'failed' | 'refused' | 'released'): void {
    if (this.outcome) return;
    this.outcome = outcome;
    if (this.target.inProcess) return;
    if (outcome === 'succeeded') this.policy.breaker.succeeded(this.target.key);
    else if (outcome === 'failed') this.policy.breaker.failed(this.target.key);
    else if (outcome === 'refused') this.policy.breaker.tripped(this.target.key);
    else this.policy.breaker.released(this.target.key);
  }
}

/**
 * Connect errors, 5xx, a refused credential, a stall: the node's fault, and another node may well answer. A request
 * the model refuses (a non-retryable ModelError) or a cancel says nothing about the node.
 */
function isNodeFault(error: unknown): boolean {
  if (isAbortError(error) || error instanceof DomainError) return false;
  return !(error instanceof ModelError) || error.retryable;
}

// Nothing listens there (a dead node still inside its heartbeat window): the connection fails at once.
const REFUSED_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

/** Looks through the causes fetch wraps a connect error in (TypeError → Error or AggregateError with a code). */
export function isConnectionRefused(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && REFUSED_CODES.has(code)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isConnectionRefused(inner, depth + 1))) return true;
  return isConnectionRefused(cause, depth + 1);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
