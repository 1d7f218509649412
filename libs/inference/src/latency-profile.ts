import { abortError } from './model-provider';

// How the embedded model paces its stream, so load tests can model a real LLM without one.
export interface LatencyProfile {
  ttftMs: number;
  /** 0 or Infinity: no pause between tokens. */
  tokensPerSecond: number;
}

export const INSTANT_LATENCY: LatencyProfile = { ttftMs: 0, tokensPerSecond: Infinity };

// Rough shapes of real backends; docs/performance.md puts hosted chat APIs at a median TTFT of 0.45–0.74 s.
export const BUILT_IN_LATENCY_PROFILES: Readonly<Record<string, LatencyProfile>> = {
  instant: INSTANT_LATENCY,
  local: { ttftMs: 150, tokensPerSecond: 80 },
  hosted: { ttftMs: 500, tokensPerSecond: 50 },
  slow: { ttftMs: 1500, tokensPerSecond: 10 },
};

const INLINE_PROFILE = /^ttft=(\d+(?:\.\d+)?),tps=(\d+(?:\.\d+)?|Infinity)$/;

/** A profile by name (config first, then built-in) or inline as `ttft=300,tps=40`; undefined if neither. */
export function parseLatencyProfile(
  spec: string,
  profiles: Readonly<Record<string, LatencyProfile>> = {},
): LatencyProfile | undefined {
  const named = Object.hasOwn(profiles, spec)
    ? profiles[spec]
    : Object.hasOwn(BUILT_IN_LATENCY_PROFILES, spec)
      ? BUILT_IN_LATENCY_PROFILES[spec]
      : undefined;
  if (named) return named;
  const inline = INLINE_PROFILE.exec(spec);
  return inline ? { ttftMs: Number(inline[1]), tokensPerSecond: Number(inline[2]) } : undefined;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// Each token is due at ttft + i / tps after the start, measured from one clock so timer lateness does not
// accumulate over a long reply. Aborting rejects the pending pause at once and clears its timer.
export async function* pace<T>(
  items: Iterable<T>,
  profile: LatencyProfile,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const start = performance.now();
  const gapMs =
    profile.tokensPerSecond > 0 && Number.isFinite(profile.tokensPerSecond)
      ? 1000 / profile.tokensPerSecond
      : 0;
  let index = 0;
  for (const item of items) {
    const waitMs = start + profile.ttftMs + index * gapMs - performance.now();
    if (waitMs > 0) await delay(waitMs, signal);
    if (signal.aborted) throw abortError();
    yield item;
    index += 1;
  }
}
