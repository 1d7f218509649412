/**
 * The api requests a gateway forwards (docs/privacy.md). Everything else is refused inside the encapsulation, so the
 * gateway cannot be used as an anonymous proxy to the rest of the api (sign-ups, persona writes) or anywhere else.
 */
const ROUTES: readonly { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/v1\/chat\/completions$/ },
  { method: 'GET', path: /^\/v1\/inferences\/[0-9a-f-]{36}(\/bundle)?$/i },
  { method: 'GET', path: /^\/v1\/chain$/ },
  { method: 'GET', path: /^\/v1\/models$/ },
];

/** Inner request headers passed on; a client's others (cookies, user-agent, forwarding headers) are dropped. */
export const FORWARDED_INNER_HEADERS: readonly string[] = ['authorization', 'content-type', 'accept'];

export function isPrivateRoute(method: string, pathname: string): boolean {
  return ROUTES.some((route) => route.method === method && route.path.test(pathname));
}
