/**
 * An AbortController that also aborts when `source` does, until released. Instead of
 * AbortSignal.any([source, own.signal]): on Node 20 the collector can drop that combined signal's link to its sources
 * (nodejs/node#57736), and an abort then never reached the fetch or the model it was meant to stop.
 */
export function linkedAbort(source: AbortSignal): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(source.reason);
  if (source.aborted) forward();
  else source.addEventListener('abort', forward, { once: true });
  return { controller, release: () => source.removeEventListener('abort', forward) };
}
