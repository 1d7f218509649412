import { defaultChallenge, tokenKeyId } from '@app/privacy/tokens/token';
import { createTokenRequest } from '@app/privacy/tokens/token-client';
import { apiJson } from './api-json';
import { PrivateChatError } from './private-chat.errors';
import type { FetchLike } from './sealed-exchange';

/** The api's issuer name when its directory names none (PRIVACY_ISSUER_NAME's default). */
export const DEFAULT_ISSUER_NAME = 'twinproof';
/** The api issues at most this many tokens per call. */
export const MAX_TOKENS_PER_CALL = 16;

/** RFC 9578 §4 issuer directory, as `GET /v1/privacy/token-issuer` serves it; `issuer-name` is our extension. */
export interface IssuerDirectory {
  'issuer-request-uri'?: string;
  'issuer-name'?: string;
  'token-keys': { 'token-type': number; 'token-key': string }[];
}

/** The issuer's current type-2 key, as a client needs it to ask for tokens and to sort the ones it holds. */
export interface IssuerKey {
  /** RFC 9578 token_key_id (SHA-256 of the key's SPKI), hex: every token carries it. */
  keyId: string;
  spki: Uint8Array;
  challenge: Uint8Array;
  requestPath: string;
}

export async function fetchIssuerKey(fetcher: FetchLike, apiUrl: string): Promise<IssuerKey> {
  const directory = await apiJson<IssuerDirectory>(
    fetcher,
    apiUrl,
    '/v1/privacy/token-issuer',
    {},
    'TOKENS_UNAVAILABLE',
  );
  const key =
    directory['token-keys']?.find((entry) => entry['token-type'] === 2) ?? directory['token-keys']?.[0];
  if (!key || typeof key['token-key'] !== 'string')
    throw new PrivateChatError(
      'TOKENS_UNAVAILABLE',
      'The token issuer publishes no type-2 token key.',
      'api',
    );
  const spki = new Uint8Array(Buffer.from(key['token-key'], 'base64url'));
  return {
    keyId: tokenKeyId(spki).toString('hex'),
    spki,
    challenge: defaultChallenge(directory['issuer-name'] ?? DEFAULT_ISSUER_NAME),
    requestPath: requestPath(directory['issuer-request-uri']),
  };
}

/**
 * Privacy Pass tokens (RFC 9578, type 0x0002). Asking for them is identified on purpose (the api bills the account);
 * the blind signature makes a redeemed token unlinkable to this request, so the gateway and api never learn whose it is.
 */
export async function obtainTokens(
  fetcher: FetchLike,
  apiUrl: string,
  apiKey: string,
  count: number,
  issuer?: IssuerKey,
): Promise<Uint8Array[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_TOKENS_PER_CALL)
    throw new PrivateChatError(
      'TOKENS_UNAVAILABLE',
      `Ask for 1 to ${MAX_TOKENS_PER_CALL} tokens, not ${count}.`,
    );
  const { spki, challenge, requestPath: path } = issuer ?? (await fetchIssuerKey(fetcher, apiUrl));
  const requests = Array.from({ length: count }, () => createTokenRequest(spki, challenge));
  const answer = await apiJson<{ tokenResponses?: string[] }>(
    fetcher,
    apiUrl,
    path,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tokenRequests: requests.map((request) => Buffer.from(request.request).toString('base64url')),
      }),
    },
    'TOKENS_UNAVAILABLE',
  );
  const responses = answer.tokenResponses;
  if (!Array.isArray(responses) || responses.length !== count)
    throw new PrivateChatError(
      'TOKENS_UNAVAILABLE',
      `The issuer answered ${Array.isArray(responses) ? responses.length : 'no'} token responses for ${count} requests.`,
      'api',
    );
  try {
    return requests.map((request, index) =>
      request.finalize(new Uint8Array(Buffer.from(responses[index], 'base64url'))),
    );
  } catch (error) {
    // A signature that does not verify under the published key would make tokens the api refuses, or mark this user.
    throw new PrivateChatError(
      'TOKENS_UNAVAILABLE',
      `The issuer's token responses do not verify under its published key (${error instanceof Error ? error.message : String(error)}).`,
      'api',
    );
  }
}

// The api key goes only to the api itself: an issuer URI naming another host is not followed.
function requestPath(uri: string | undefined): string {
  return typeof uri === 'string' && uri.startsWith('/') && !uri.startsWith('//') ? uri : '/v1/privacy/tokens';
}
