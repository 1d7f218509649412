// ethers' JsonRpcProvider batches behind a timer costing ~1 ms a request, and an anchor makes four in a row; this
// sends each at once (loopback: ~0.7 ms instead of ~2 ms), keeping ethers' error mapping.
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
