import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server, type Socket } from 'node:net';

/** A connection that has sent nothing by then is closed: the primary holds no idle connections for anyone. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;
/** socket.io's session id, as the polling transport sends it in the request line (`...&sid=<20 chars>`). */
const SESSION_ID = /[?&]sid=([\w-]{20})(?:[&\s]|$)/;

interface WorkerMessage {
  type?: unknown;
  data?: unknown;
}

/**
 * The api cluster's door (API_PROCESSES > 1): a TCP server that reads the first bytes of each connection, picks a
 * worker (the one that holds the socket.io session named in the request line, else the least loaded) and hands it the
 * connection itself, with those bytes, as @socket.io/sticky's workers expect (`sticky:connection`).
 *
 * Why not @socket.io/sticky's own primary: for a request with a body it keeps the connection and relays every chunk
 * to the worker over IPC, without backpressure, so one client streaming a large body grew the primary by gigabytes,
 * and its HTTP server cut long proxied responses (a streaming completion) with a 408 (attacker review, issue 12).
 * Here the primary reads one chunk and stops reading at once, so the rest of the request, body included, stays in
 * the kernel for the worker to read: the primary buffers nothing and parses nothing beyond the request line.
 * Workers answer with `Connection: close`, so each request comes through the door again and is routed on its own.
 */
export function createStickyPrimary(): Server {
  const sessions = new Map<string, number>();
  const load = new Map<number, number>();
  let turn = 0;

  // Workers report the sessions they open and close (socket.io's, and REST requests while they are open).
  cluster.on('message', (worker: Worker, message: WorkerMessage) => {
    if (typeof message?.data !== 'string') return;
    if (message.type === 'sticky:connection') {
      sessions.set(message.data, worker.id);
      load.set(worker.id, (load.get(worker.id) ?? 0) + 1);
    } else if (message.type === 'sticky:disconnection') {
      sessions.delete(message.data);
      load.set(worker.id, Math.max(0, (load.get(worker.id) ?? 0) - 1));
    }
  });
  cluster.on('exit', (worker: Worker) => {
    load.delete(worker.id);
    for (const [sid, id] of sessions) if (id === worker.id) sessions.delete(sid);
  });

  const pick = (firstBytes: Buffer): Worker | undefined => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const requestLine = firstBytes.subarray(0, Math.max(0, firstBytes.indexOf('\r\n'))).toString('latin1');
    const sid = SESSION_ID.exec(requestLine)?.[1];
    const owner = sid === undefined ? undefined : workers.find((w) => w.id === sessions.get(sid));
    if (owner) return owner;
    // Least loaded; among equals, in turn (a burst arrives before any worker has reported its load).
    const least = Math.min(...workers.map((w) => load.get(w.id) ?? 0));
    const equals = workers.filter((w) => (load.get(w.id) ?? 0) === least);
    return equals[turn++ % Math.max(1, equals.length)];
  };

  return createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (firstBytes: Buffer) => {
      stopReading(socket);
      socket.setTimeout(0);
      const worker = pick(firstBytes);
      if (!worker) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      worker.send({ type: 'sticky:connection', data: firstBytes }, socket, { keepOpen: false }, (error) => {
        if (error) socket.destroy();
      });
    });
    socket.resume();
  });
}

/**
 * Stops the socket's reads in libuv now, not when its buffer fills (what pause() does): bytes read between here and
 * the hand-over would reach neither process. Node has no public call for it; `_handle.readStop` is what net.Socket
 * itself uses, and the spec checks that a body sent in pieces arrives whole at the worker.
 */
function stopReading(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { readStop?: () => number; reading?: boolean } })._handle;
  if (handle?.readStop) {
    handle.reading = false;
    handle.readStop();
  }
}
