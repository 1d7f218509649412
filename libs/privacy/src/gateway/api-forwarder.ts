import type { InnerRequest } from './ohttp-gateway';
import { RELAY_HEADER } from './ohttp-gateway';

/** The gateway node an inner request came through: the api counts private traffic per relay and gateway with it. */
export const GATEWAY_HEADER = 'twinproof-gateway';

/**
 * Sends a decapsulated request to the api (the RFC 9458 "target resource"). Nothing about the client goes with it:
 * the api sees this gateway's address, the inner request's allowed headers, and which relay and gateway carried it.
 */
export function forwardToApi(
  apiUrl: string,
  gatewayNodeId: string,
  request: InnerRequest,
  context: { relayId?: string; signal: AbortSignal },
): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers, [GATEWAY_HEADER]: gatewayNodeId };
  if (context.relayId) headers[RELAY_HEADER] = context.relayId;
  return fetch(new URL(request.path, apiUrl), {
    method: request.method,
    headers,
    body: request.body,
    signal: context.signal,
    // A redirect would leave the api: the gateway answers with what the api said.
    redirect: 'manual',
  });
}
