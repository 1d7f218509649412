/** Who answered, or who refused: the relay, the gateway (decapsulation), the api (the inner response) or this client. */
export type ErrorParty = 'client' | 'relay' | 'gateway' | 'api';

export type ClientErrorCode =
  | 'NO_GATEWAY'
  | 'UNKNOWN_GATEWAY'
  | 'GATEWAY_UNVERIFIED'
  | 'SAME_OPERATOR'
  | 'UNLISTED_RELAY'
  | 'DIRECTORY_UNAVAILABLE'
  | 'TOKENS_UNAVAILABLE'
  | 'RELAY_ERROR'
  | 'GATEWAY_ERROR'
  | 'RESPONSE_INVALID'
  | 'STREAM_INCOMPLETE'
  | 'REPLY_FAILED'
  | 'PROOF_TIMEOUT';

/**
 * Every failure of the private path, typed: `code` is this client's code, or for party 'api' the api's own
 * `{ error: { code } }` (TOKEN_SPENT, KEYS_REQUIRED, …) so a caller can react to it exactly as on the direct api.
 */
export class PrivateChatError extends Error {
  constructor(
    readonly code: ClientErrorCode | (string & {}),
    message: string,
    readonly party: ErrorParty = 'client',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrivateChatError';
  }
}
