import { Injectable, Logger } from '@nestjs/common';
import { runInLogContext } from '@app/common/log-context';
import { isAbortError, estimateTokens, ModelError } from '@app/inference/model-provider';
import { ModelRegistry } from '@app/inference/model-registry';
import type { NodeInferenceRequest } from '@app/network/inference-node';
import { chunkEvent, errorEvent, receiptEvent, SSE_DONE } from '@app/node-protocol';
import { countPromptTokens } from '@app/prompt/token-budget';
import { commitInput, commitText, newReceiptSalt } from '@app/receipts/receipt-hashes';
import { signReceiptWithKey } from '@app/receipts/receipt-signing';
import type { Receipt } from '@app/receipts/receipt.spec-types';
import { deliveredText, prefixFields } from '@app/receipts/takeover';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { NodeDrain } from './node-drain';
import { NodeIdentity } from './node-identity';

/** What the api is told of a failed inference. */
function failureOf(error: unknown, draining: boolean): { code: string; message: string } {
  if (isAbortError(error))
    return draining
      ? { code: 'SERVER_STOPPING', message: 'The node is stopping; the reply was cut.' }
      : { code: 'CANCELLED', message: 'The reply was cancelled.' };
  // The upstream's own text can quote keys and hosts: the api gets its status at most, this node's log the rest.
  const status = error instanceof ModelError && error.status ? ` (its server answered ${error.status})` : '';
  return { code: 'MODEL_FAILED', message: `The model failed${status}.` };
}

/** Runs one inference, streams it as SSE and signs the receipt over exactly what was received and streamed. */
@Injectable()
export class NodeInference {
  private readonly logger = new Logger(NodeInference.name);

  constructor(
    private readonly models: ModelRegistry,
    private readonly identity: NodeIdentity,
    private readonly drain: NodeDrain,
  ) {}

  /** Its log lines, and the upstream's X-Request-Id, carry the inference id the api logs too. */
  stream(request: NodeInferenceRequest, response: Response): Promise<void> {
    const { inferenceId } = request.receipt;
    return runInLogContext({ requestId: inferenceId, inferenceId }, () => this.run(request, response));
  }

  private async run(request: NodeInferenceRequest, response: Response): Promise<void> {
    const { receipt: context, continuation } = request;
    // A takeover: the model continues the delivered prefix and this node streams only what follows it.
    const model = continuation ? { ...request.model, continuation: continuation.prefix } : request.model;
    const controller = new AbortController();
    const release = this.drain.track(controller);
    // The api went away (it aborted, or died): stop the model.
    response.on('close', () => {
      if (!response.writableEnded) controller.abort();
    });
    const startedAt = Date.now();
    const meta = {
      id: `chatcmpl-${randomUUID()}`,
      created: Math.floor(startedAt / 1000),
      model: model.modelId,
    };
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream');
    response.setHeader('Cache-Control', 'no-cache');
    response.flushHeaders();
    let text = '';
    try {
      const completion = this.models.resolve(model.modelId).stream(model, controller.signal);
      for await (const delta of completion) {
        if (delta === '') continue;
        response.write(chunkEvent(meta, delta, text === ''));
        text += delta;
      }
      const finishedAt = Date.now();
      const { wallet } = this.identity;
      const salt = newReceiptSalt();
      // Receipt v3: over the whole reply the client got (a takeover's prefix, then this node's text), naming the node
      // that streamed the prefix and committing to it; the input is the original message list, without the prefix.
      const whole = deliveredText(continuation, text);
      const receipt: Receipt = {
        ...context,
        node: wallet.address,
        modelId: model.modelId,
        inputHash: commitInput(salt, model.messages),
        outputHash: commitText(salt, whole),
        promptTokens: countPromptTokens(model.messages),
        completionTokens: estimateTokens(whole),
        startedAt,
        finishedAt,
        ...prefixFields(salt, continuation),
      };
      const { signature, digest } = signReceiptWithKey(wallet, receipt);
      response.write(
        receiptEvent({
          finish_reason: completion.finishReason,
          receipt,
          digest,
          signature,
          salt,
        }),
      );
      response.end(SSE_DONE);
      this.logger.debug(
        `Served ${receipt.completionTokens} tokens of ${model.modelId} in ${finishedAt - startedAt} ms`,
      );
    } catch (error) {
      const { code, message } = failureOf(error, this.drain.draining);
      if (!isAbortError(error)) this.logger.warn(`Inference ${context.inferenceId} failed: ${String(error)}`);
      if (!response.writableEnded) response.end(errorEvent(code, message));
    } finally {
      release();
    }
  }
}
