// ethers' JsonRpcProvider queues every request behind a timer so it can batch them; even at a zero stall that
// timer costs ~1 ms per request in Node, and an anchor makes four requests in a row. This provider sends each
// request at once, on its own HTTP request (loopback: ~0.7 ms instead of ~2 ms), with ethers' error mapping intact.
import {
  JsonRpcProvider,
  makeError,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
} from 'ethers';

export class DirectJsonRpcProvider extends JsonRpcProvider {
  private nextRequestId = 1;

  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (this.destroyed) {
      throw makeError('provider destroyed; cancelled request', 'UNSUPPORTED_OPERATION', {
        operation: method,
      });
    }
    // Idempotent; with a static network it only marks the provider ready.
    this._start();
    const payload: JsonRpcPayload = { id: this.nextRequestId++, jsonrpc: '2.0', method, params };
    const [reply] = (await this._send(payload)) as (JsonRpcResult | JsonRpcError)[];
    if (reply === undefined) throw makeError('missing response for request', 'BAD_DATA', { value: reply });
    if ('error' in reply) throw this.getRpcError(payload, reply);
    return reply.result as unknown;
  }
}
