import { nodeModelRegistry } from './node-models';

// Time to the first streamed piece of a plain `embedded` reply from the registry a node builds from its options.
async function firstPieceMs(embeddedLatency?: { ttftMs: number; tokensPerSecond: number }): Promise<number> {
  const registry = nodeModelRegistry({ modelIds: ['embedded'], embeddedLatency });
  const request = { modelId: 'embedded', messages: [{ role: 'user' as const, content: 'Hello there' }] };
  const controller = new AbortController();
  const started = performance.now();
  for await (const piece of registry.resolve('embedded').stream(request, controller.signal)) {
    if (piece.length > 0) break;
  }
  controller.abort();
  return performance.now() - started;
}

describe('nodeModelRegistry', () => {
  // start:cluster's nodes must be slowable like the api (newcomer review #1): otherwise no reply lasts long
  // enough to kill its node mid-stream and see a takeover.
  it('paces plain `embedded` by the node’s EMBEDDED_LATENCY, and is instant without one', async () => {
    expect(await firstPieceMs({ ttftMs: 300, tokensPerSecond: 5 })).toBeGreaterThanOrEqual(280);
    expect(await firstPieceMs()).toBeLessThan(200);
  });
});
