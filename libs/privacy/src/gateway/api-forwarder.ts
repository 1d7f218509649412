import type { InnerRequest } from './ohttp-gateway';
import { RELAY_HEADER } from './ohttp-gateway';
import { GATEWAY_PROOF_HEADER, signGatewayProof } from './gateway-proof';
import type { Wallet } from 'ethers';

/** The gateway node an inner request came through: the api counts private traffic per relay and gateway with it. */
export const GATEWAY_HEADER = 'twinproof-gateway';

/**
 * Sends a decapsulated request to the api (the RFC 9458 "target resource"). Nothing about the client goes with it:
 * the api sees this gateway's address, the inner request's allowed headers, and which relay and gateway carried it.
 */
export function forwardToApi(
  apiUrl: string,
  gateway: { nodeId: string; key: Wallet },
  request: InnerRequest,
  context: { relayId?: string; signal: AbortSignal },
): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers, [GATEWAY_HEADER]: gateway.nodeId };
  const authorization = request.headers.authorization;
  if (context.relayId) {
    headers[RELAY_HEADER] = context.relayId;
    // Signed, so the api counts the request for this relay and gateway on this node's word, not on anyone's headers.
    if (authorization?.startsWith('PrivateToken'))
      headers[GATEWAY_PROOF_HEADER] = signGatewayProof(
        gateway.key,
        gateway.nodeId,
        context.relayId,
        authorization,
      );
  }
  return fetch(new URL(request.path, apiUrl), {
    method: request.method,
    headers,
    body: request.body,
    signal: context.signal,
    // A redirect would leave the api: the gateway answers with what the api said.
    redirect: 'manual',
  });
}
