import { linkedAbort } from '@app/common';
import {
  newProbeRequest,
  PROBE_PATH,
  ROUTER_HEADER,
  routerCredential,
  verifyProbeAnswer,
  type MessageSigner,
} from '@app/node-protocol';
import type { RegisteredNode } from '../remote-node.client';

// A probe answer is an address and a signature: a node sending more is not read further.
const ANSWER_MAX_BYTES = 4_096;

export type ProbeOutcome = { ok: true } | { ok: false; reason: string };

async function readCapped(body: ReadableStream<Uint8Array>): Promise<string | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks).toString('utf8');
      length += value.length;
      if (length > ANSWER_MAX_BYTES) return null;
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

// By shape, not instanceof: fetch's errors come from Node's own realm, which need not be the caller's (jest's vm).
function messageOf(error: unknown): string {
  return typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
    ? error.message
    : String(error);
}

function describe(error: unknown): string {
  const hasCause =
    typeof error === 'object' && error !== null && 'cause' in error && error.cause !== undefined;
  return hasCause ? `${messageOf(error)}: ${messageOf(error.cause)}` : messageOf(error);
}

/**
 * One liveness probe (docs/network.md): a fresh challenge, signed by the router, POSTed to the node's registered URL;
 * it passes only when the registered key signs the challenge within `timeoutMs`. Never throws.
 */
export async function probeNode(
  node: RegisteredNode,
  router: MessageSigner,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<ProbeOutcome> {
  const probe = newProbeRequest(node.id);
  const body = JSON.stringify(probe);
  // Not AbortSignal.any([AbortSignal.timeout(), stop]): on Node 20 GC may collect the inner timeout signal
  // (nodejs/node#57736) and a server that never answers then holds the probe for ever. A pending timer is never collected.
  const { controller, release } = linkedAbort(stop ?? new AbortController().signal);
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const signal = controller.signal;
    const response = await fetch(new URL(PROBE_PATH, node.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [ROUTER_HEADER]: await routerCredential(router, node.address, body),
      },
      body,
      // The registered URL is what is probed: a redirect would let a node vouch with another server (and SSRF).
      redirect: 'error',
      signal,
    });
    const text = response.body ? await readCapped(response.body) : '';
    if (!response.ok) return { ok: false, reason: `answered ${response.status}` };
    if (text === null) return { ok: false, reason: `answered more than ${ANSWER_MAX_BYTES} bytes` };
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'answered something that is not JSON' };
    }
    const check = verifyProbeAnswer(answer, { ...probe, address: node.address });
    return check.ok ? { ok: true } : { ok: false, reason: check.reason };
  } catch (error) {
    return { ok: false, reason: `unreachable (${describe(error)})` };
  } finally {
    clearTimeout(timer);
    // The prober's stop signal lives as long as the api: a listener left per probe would pile up.
    release();
  }
}
