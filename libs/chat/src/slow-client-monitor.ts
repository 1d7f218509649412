import { Logger } from '@nestjs/common';

/** What the monitor reads of a socket.io socket: engine.io's packet queue and the websocket's unsent bytes. */
export interface MonitoredSocket {
  id: string;
  conn: {
    writeBuffer: unknown[];
    transport: { name: string; socket?: { bufferedAmount?: number } };
    close(discard?: boolean): unknown;
  };
  disconnect(close?: boolean): unknown;
}

export interface SlowClientLimits {
  /** Packets engine.io holds for a client that is not taking them (polling client not polling, stalled transport). */
  maxQueuedPackets: number;
  /** Bytes the websocket holds once the kernel's buffers are full: the client is not reading. */
  maxBufferedBytes: number;
}

// socket.io buffers without limit for a client that never reads; disconnecting it loses nothing, since
// `conversation:join` after reconnecting returns what it missed from the replay buffer.
export class SlowClientMonitor {
  private readonly logger = new Logger(SlowClientMonitor.name);

  constructor(private readonly limits: SlowClientLimits) {}

  sweep(sockets: Iterable<MonitoredSocket>): number {
    let evicted = 0;
    for (const socket of sockets) {
      const queued = socket.conn.writeBuffer.length;
      const buffered = socket.conn.transport.socket?.bufferedAmount ?? 0;
      if (queued <= this.limits.maxQueuedPackets && buffered <= this.limits.maxBufferedBytes) continue;
      this.logger.warn(
        `Disconnecting socket ${socket.id}: it is not reading (${queued} packets queued, ${buffered} bytes buffered)`,
      );
      socket.disconnect(true);
      // disconnect(true) closes the connection only once its queue has drained, which for a client that is not
      // reading is never: discarding the queue is what frees the memory and the connection.
      socket.conn.close(true);
      evicted++;
    }
    return evicted;
  }
}
