// What ethers does not do as a queue worker needs: "the chain is not there" vs "the chain said no", and the chain id
// without ethers' start-up loop (which, against a node that is down, retries every second forever).
import { ChainUnreachableError } from './settlement.errors';

// Transport failures: Node's socket errors, undici's, and ethers' codes (SERVER_ERROR: e.g. a proxy's 502).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'TIMEOUT',
  'NETWORK_ERROR',
  'SERVER_ERROR',
  // ChainUnreachableError itself: it keeps no cause to walk (the cause may quote a private URL).
  'CHAIN_UNREACHABLE',
]);

export function isUnreachableError(error: unknown): boolean {
  // Duck-typed: under jest, errors from Node's http and fetch come from another realm.
  let current: unknown = error;
  for (let depth = 0; isObject(current) && depth < 5; depth++) {
    if (typeof current.code === 'string' && UNREACHABLE_CODES.has(current.code)) return true;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return true;
    current = current.cause;
  }
  return false;
}

function isObject(value: unknown): value is { code?: unknown; name?: unknown; cause?: unknown } {
  return typeof value === 'object' && value !== null;
}

export function asChainError(error: unknown, rpcUrl: string): unknown {
  return isUnreachableError(error) ? new ChainUnreachableError(rpcUrl, error) : error;
}

interface JsonRpcReply {
  result?: unknown;
  error?: { code: number; message: string };
}

export async function fetchChainId(rpcUrl: string, timeoutMs: number): Promise<number> {
  let reply: JsonRpcReply;
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { code: 'SERVER_ERROR' });
    reply = (await response.json()) as JsonRpcReply;
  } catch (error) {
    throw new ChainUnreachableError(rpcUrl, error);
  }
  if (typeof reply.result !== 'string') {
    throw new ChainUnreachableError(
      rpcUrl,
      new Error(`eth_chainId failed: ${reply.error?.message ?? 'no result'}`),
    );
  }
  return Number(BigInt(reply.result));
}
