import { RemoteNodeError } from '@app/network';
import { NodeReceiptError } from '@app/node-protocol';

/** How long a checker's raw error may be in the worker's log. */
const LOG_DETAIL_CHARS = 200;

/**
 * Why a checker gave no verdict, in the platform's own words only. The stored reason is public (GET /v1/inferences/:id,
 * the bundle): a node's error text may hold anything its operator wrote, and fetch's errors name the node's IP:port,
 * which GET /v1/nodes deliberately hides. The categories below are all a reader learns; the raw error goes to the log.
 */
export function failureCategory(error: unknown, guard: Guarded): string {
  const cut = guard.reason;
  if (cut === 'stalled') return `stalled (no token for ${guard.idleMs} ms)`;
  if (cut === 'too slow') return `too slow (no whole reply within ${guard.totalMs} ms)`;
  if (error instanceof NodeReceiptError) return 'bad receipt';
  if (!(error instanceof RemoteNodeError)) return 'failed';
  if (error.status !== undefined) return `refused (HTTP ${Math.floor(error.status / 100)}xx)`;
  // RemoteNodeClient's messages are "Node <id>: <what happened>"; a node's own error event is "Node <id>: <its code>:
  // <its text>", so a node could only make itself look like one of these, and the words stored are still these.
  const what = error.message.slice(error.message.indexOf(': ') + 2);
  if (what.startsWith('unreachable (')) return 'unreachable';
  if (what.startsWith('the stream broke (')) return 'broken stream';
  if (what.startsWith('the stream ended without a receipt')) return 'no receipt';
  if (what.startsWith("streamed past the reply's cap")) return 'streamed past the reply’s cap';
  return 'sent an error event';
}

/** The StallGuard of the call: whether it cut the call, and its limits. */
interface Guarded {
  reason: 'stalled' | 'too slow' | undefined;
  idleMs: number;
  totalMs: number;
}

/** The raw error for the worker's log: one line, at most LOG_DETAIL_CHARS (a node's text may be a megabyte). */
export function logDetail(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > LOG_DETAIL_CHARS ? `${line.slice(0, LOG_DETAIL_CHARS)}…` : line;
}
