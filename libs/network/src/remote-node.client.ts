import { linkedAbort } from '@app/common';
import { abortError, maxCompletionChars, ModelError, type FinishReason } from '@app/inference/model-provider';
import {
  parseNodeEvents,
  ROUTER_HEADER,
  routerCredential,
  toCompletionBody,
  type MessageSigner,
  type ReceiptEvent,
} from '@app/node-protocol';
import type { NodeInferenceRequest, NodeReceipt, NodeStream } from './inference-node';

export interface RegisteredNode {
  id: string;
  address: string;
  /** Its public base URL, e.g. http://10.0.0.5:8080. */
  url: string;
}

/** A node call that failed; the router may try another node while `tokensArrived` is false and it is retryable. */
export class RemoteNodeError extends ModelError {
  constructor(
    message: string,
    retryable: boolean,
    readonly tokensArrived: boolean,
    status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, retryable, status, options);
  }
}

/** A reply with no maxTokens still ends: a node streaming valid tokens forever must not grow the api's memory. */
export const NODE_REPLY_MAX_TOKENS = 8192;
// Above maxTokens, in estimateTokens units (what the receipt counts): a node may round its last piece up.
const REPLY_TOKEN_SLACK = 16;

const ERROR_DETAIL_BYTES = 200;

/** The start of an error answer's body, then the rest is cancelled: a node's body is not read whole. */
async function errorDetail(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const bytes: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < ERROR_DETAIL_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes.push(value);
      length += value.length;
    }
  } catch {
    // What arrived before the body broke is detail enough.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(bytes).subarray(0, ERROR_DETAIL_BYTES).toString('utf8');
}

// By shape, not instanceof: fetch's errors come from Node's own realm, which need not be the caller's (jest's vm).
function messageOf(error: unknown): string | undefined {
  return typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
    ? error.message
    : undefined;
}

function describe(error: unknown): string {
  const inner =
    typeof error === 'object' && error !== null && 'cause' in error ? messageOf(error.cause) : undefined;
  return `${messageOf(error) ?? String(error)}${inner === undefined ? '' : `: ${inner}`}`;
}

/** The api's client for one registered node process: router credentials out, SSE in (docs/network.md). */
export class RemoteNodeClient {
  constructor(
    private readonly node: RegisteredNode,
    private readonly router: MessageSigner,
  ) {}

  /** The receipt comes back unverified: the recorder checks it against what was sent and received. */
  stream(request: NodeInferenceRequest, signal: AbortSignal): NodeStream {
    const { node, router } = this;
    let finishReason: FinishReason = 'stop';
    let signed: NodeReceipt | undefined;
    const toReceipt = (event: ReceiptEvent): NodeReceipt => ({
      nodeId: node.id,
      receipt: event.receipt,
      digest: event.digest,
      signature: event.signature,
      signer: event.receipt.node,
      salt: event.salt,
    });

    async function* generate(): AsyncGenerator<string> {
      if (signal.aborted) throw abortError();
      // Ends the HTTP call when the caller aborts (a spot check's deadline, a takeover), and when it stops iterating
      // early.
      const { controller: stop, release } = linkedAbort(signal);
      const body = JSON.stringify(toCompletionBody(request));
      let tokensArrived = false;
      const maxTokens = request.model.maxTokens ?? NODE_REPLY_MAX_TOKENS;
      const maxChars = maxCompletionChars(maxTokens + REPLY_TOKEN_SLACK);
      let chars = 0;
      const failed = (
        message: string,
        retryable: boolean,
        status?: number,
        cause?: unknown,
      ): RemoteNodeError =>
        new RemoteNodeError(`Node ${node.id}: ${message}`, retryable, tokensArrived, status, { cause });
      try {
        const response = await fetch(new URL('/v1/chat/completions', node.url), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            [ROUTER_HEADER]: await routerCredential(router, node.address, body),
          },
          body,
          // A node's redirect would make the api call any URL the node names (SSRF): it is the node's fault.
          redirect: 'error',
          signal: stop.signal,
        }).catch((error: unknown) => {
          throw signal.aborted
            ? abortError()
            : failed(`unreachable (${describe(error)})`, true, undefined, error);
        });
        if (!response.ok || !response.body) {
          const detail = await errorDetail(response.body);
          const { status } = response;
          // 401: the node does not (yet) know this router key, or the clock is off; another node may take it.
          const retryable = status >= 500 || status === 401 || status === 408 || status === 429;
          throw failed(`answered ${status} ${detail}`.trim(), retryable, status);
        }
        let receipt: ReceiptEvent | undefined;
        try {
          for await (const event of parseNodeEvents(response.body)) {
            // Whatever the socket still delivers, an aborted call yields nothing more.
            if (signal.aborted) throw abortError();
            if (event.kind === 'delta') {
              chars += event.content.length;
              if (chars > maxChars)
                throw failed(`streamed past the reply's cap of ${maxTokens} tokens`, !tokensArrived);
              tokensArrived = true;
              yield event.content;
            } else if (event.kind === 'receipt') receipt = event.event;
            else if (event.kind === 'error')
              throw failed(`${event.code}: ${event.message}`, event.code !== 'VALIDATION_FAILED');
            else break;
          }
        } catch (error) {
          if (signal.aborted) throw abortError();
          if (error instanceof RemoteNodeError) throw error;
          throw failed(`the stream broke (${describe(error)})`, true, undefined, error);
        }
        if (!receipt) throw failed('the stream ended without a receipt', true);
        finishReason = receipt.finish_reason;
        signed = toReceipt(receipt);
      } finally {
        release();
        stop.abort();
      }
    }

    return {
      nodeId: node.id,
      nodeAddress: node.address,
      inProcess: false,
      get finishReason() {
        return finishReason;
      },
      [Symbol.asyncIterator]: generate,
      receipt: () =>
        signed
          ? Promise.resolve(signed)
          : Promise.reject(new Error('The reply has not finished; it has no receipt.')),
    };
  }
}
