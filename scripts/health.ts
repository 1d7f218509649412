/** Resolves once `url` answers 2xx (the api's /health); a launcher that waits longer than timeoutMs gives up. */
export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The api did not become healthy at ${url} within ${timeoutMs / 1000} s`);
}
