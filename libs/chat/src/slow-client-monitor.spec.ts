import { MonitoredSocket, SlowClientMonitor } from './slow-client-monitor';

type FakeSocket = MonitoredSocket & { disconnected: boolean; discarded: boolean };

function socket(id: string, queued: number, buffered?: number): FakeSocket {
  const s: FakeSocket = {
    id,
    disconnected: false,
    discarded: false,
    conn: {
      writeBuffer: new Array<unknown>(queued),
      transport: { name: 'websocket', socket: { bufferedAmount: buffered } },
      close(discard?: boolean) {
        s.discarded = discard === true;
      },
    },
    disconnect() {
      s.disconnected = true;
    },
  };
  return s;
}

describe('SlowClientMonitor', () => {
  const monitor = new SlowClientMonitor({ maxQueuedPackets: 100, maxBufferedBytes: 1_000 });

  it('disconnects only the clients that stopped reading, discarding what was queued for them', () => {
    const reading = socket('reading', 3, 200);
    const stalledWebsocket = socket('stalled-ws', 0, 50_000);
    const stalledPolling = socket('stalled-poll', 5_000);
    expect(monitor.sweep([reading, stalledWebsocket, stalledPolling])).toBe(2);
    expect([reading.disconnected, stalledWebsocket.disconnected, stalledPolling.disconnected]).toEqual([
      false,
      true,
      true,
    ]);
    expect([reading.discarded, stalledWebsocket.discarded, stalledPolling.discarded]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('leaves a client at exactly the limit alone', () => {
    const atLimit = socket('at-limit', 100, 1_000);
    expect(monitor.sweep([atLimit])).toBe(0);
  });
});
