// RPC URLs often carry a provider key (path, query or userinfo): show where the chain is, never how it is reached.
const HIDDEN = '…';

export function redactRpcUrl(rpcUrl: string): string {
  const url = parse(rpcUrl);
  if (!url) return HIDDEN;
  const origin = `${url.protocol}//${url.host}`;
  const hides = [url.username, url.password, url.search, url.hash].some((part) => part !== '');
  return hides || !['', '/'].includes(url.pathname) ? `${origin}/${HIDDEN}` : origin;
}

export function redactRpcUrlIn(text: string, rpcUrl: string): string {
  const url = parse(rpcUrl);
  const whole = [rpcUrl, url?.href ?? ''].filter((value) => value !== '');
  let redacted = whole.reduce((result, value) => result.split(value).join(redactRpcUrl(rpcUrl)), text);
  // Libraries quote the URL re-encoded or in pieces (ethers: requestUrl, fetch: the host and path apart).
  const parts = url ? secretParts(url).sort((a, b) => b.length - a.length) : [];
  for (const part of parts) redacted = redacted.split(part).join(HIDDEN);
  return redacted;
}

function parse(rpcUrl: string): URL | null {
  try {
    return new URL(rpcUrl);
  } catch {
    return null;
  }
}

/** The pieces a key may hide in, raw and decoded; short ones ("/", "1") are no secret and too common to replace. */
function secretParts(url: URL): string[] {
  const pieces = [
    url.username,
    url.password,
    url.pathname === '/' ? '' : url.pathname,
    url.search,
    ...url.pathname.split('/'),
    ...[...url.searchParams.values()],
  ];
  const decoded = pieces.map((piece) => {
    try {
      return decodeURIComponent(piece);
    } catch {
      return piece;
    }
  });
  return [...new Set([...pieces, ...decoded])].filter((piece) => piece.length >= 4);
}
