import { SetMetadata } from '@nestjs/common';

/**
 * Private chat (docs/privacy.md): a route marked with this accepts `Authorization: PrivateToken token="..."` (RFC 9577)
 * instead of an API key. The auth guard redeems the token through the provider registered as PRIVATE_SESSIONS (the
 * privacy library's), then opens a private session: a consumer linked to no account.
 */
export const ACCEPTS_PRIVATE_TOKEN = 'twinproof:acceptsPrivateToken';
export const AcceptsPrivateToken = (): MethodDecorator => SetMetadata(ACCEPTS_PRIVATE_TOKEN, true);

export const PRIVATE_SESSIONS = Symbol('PRIVATE_SESSIONS');

/**
 * A route a private session's key may call: reading its own replies' proofs. Nothing else: a token pays for one
 * request, and a session key that could chat on would make it pay for any number.
 */
export const PRIVATE_SESSION_ROUTE = 'twinproof:privateSessionRoute';
export const PrivateSessionRoute = (): MethodDecorator => SetMetadata(PRIVATE_SESSION_ROUTE, true);

export interface PrivateSessions {
  /**
   * Spends the token once; throws a DomainError (401) when it is not valid or was spent. `header` reads the
   * request's headers (which relay and gateway carried it).
   */
  redeem(authorization: string, header: (name: string) => string | undefined): Promise<void>;
}

/** The response header that hands a private session its key: it travels inside the encapsulation only. */
export const PRIVATE_SESSION_KEY_HEADER = 'X-Private-Session-Key';

export function isPrivateToken(authorization: string | undefined): authorization is string {
  return authorization !== undefined && /^PrivateToken\s/i.test(authorization);
}
