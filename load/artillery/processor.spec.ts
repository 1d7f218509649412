import { EventEmitter } from 'node:events';
import { pickUser, recordHttp, sendTurn, type ArtilleryContext } from './processor.js';

type Ack = (reply: unknown) => void;

/** A /chat socket as the engine leaves it in context.sockets: events in, `message:send` out with an ack. */
class FakeSocket extends EventEmitter {
  connected = true;
  sent: { event: string; payload: { conversationId: string; content: string }; ack: Ack }[] = [];

  override emit(event: string, ...args: unknown[]): boolean {
    if (event === 'message:send') {
      this.sent.push({ event, payload: args[0] as never, ack: args[1] as Ack });
      return true;
    }
    return super.emit(event, ...args);
  }

  /** What the server sends. */
  serverSends(event: string, payload: unknown): void {
    super.emit(event, payload);
  }
}

/** Artillery's event emitter, recording what the processor reported. */
function recorder() {
  const events = new EventEmitter();
  const histograms: Record<string, number[]> = {};
  const counters: Record<string, number> = {};
  const errors: string[] = [];
  events.on('histogram', (name: string, value: number) => (histograms[name] ??= []).push(value));
  events.on('counter', (name: string, value: number) => (counters[name] = (counters[name] ?? 0) + value));
  events.on('error', (code: string) => errors.push(code));
  return { events, histograms, counters, errors };
}

function turn(socket: FakeSocket) {
  const context: ArtilleryContext = { vars: { conversationId: 'c1' }, sockets: { '/chat': socket } };
  const report = recorder();
  const done = jest.fn<void, [Error?]>();
  sendTurn(context, report.events, done);
  return { ...report, done };
}

const ok = { ok: true, userMessageId: 'u1', assistantMessageId: 'm1' };
const doneEvent = {
  conversationId: 'c1',
  messageId: 'm1',
  usage: { completionTokens: 20 },
  timings: { ttftMs: 3 },
};

describe('sendTurn', () => {
  it('sends on the conversation and reports a finished reply with every timing', () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0].payload.conversationId).toBe('c1');

    socket.sent[0].ack(ok);
    socket.serverSends('message:token', { conversationId: 'c1', messageId: 'm1', seq: 0, delta: 'Hi' });
    expect(run.done).not.toHaveBeenCalled();
    socket.serverSends('message:done', doneEvent);

    expect(run.done).toHaveBeenCalledWith();
    expect(Object.keys(run.histograms).sort()).toEqual([
      'twinproof.ack',
      'twinproof.server_ttft',
      'twinproof.time_to_done',
      'twinproof.tpot',
      'twinproof.ttft',
    ]);
    expect(run.histograms['twinproof.server_ttft']).toEqual([3]);
    expect(run.counters).toEqual({
      'twinproof.turns.sent': 1,
      'twinproof.turns.completed': 1,
      'twinproof.tokens': 20,
    });
    expect(run.errors).toEqual([]);
  });

  it('finishes when the reply beats the ack, once the ack names the same message', () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    socket.serverSends('message:token', { conversationId: 'c1', messageId: 'm1', seq: 0, delta: 'Hi' });
    socket.serverSends('message:done', doneEvent);
    expect(run.done).not.toHaveBeenCalled();

    socket.sent[0].ack(ok);
    expect(run.done).toHaveBeenCalledWith();
    expect(run.counters['twinproof.turns.completed']).toBe(1);
  });

  it("ignores another conversation's events", () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    socket.sent[0].ack(ok);
    socket.serverSends('message:done', { ...doneEvent, conversationId: 'c2' });
    socket.serverSends('message:done', { ...doneEvent, messageId: 'an earlier reply' });
    expect(run.done).not.toHaveBeenCalled();
    socket.serverSends('message:done', doneEvent);
    expect(run.done).toHaveBeenCalledTimes(1);
  });

  it('counts a refused send as an error and lets the user carry on', () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    socket.sent[0].ack({ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } });
    expect(run.errors).toEqual(['RATE_LIMITED']);
    expect(run.done).toHaveBeenCalledWith();
    expect(run.counters['twinproof.turns.completed']).toBeUndefined();
    expect(socket.listenerCount('message:done')).toBe(0);
  });

  it("counts the reply's message:error by its code", () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    socket.sent[0].ack(ok);
    socket.serverSends('message:error', {
      conversationId: 'c1',
      messageId: 'm1',
      error: { code: 'NO_NODE' },
    });
    expect(run.errors).toEqual(['NO_NODE']);
    expect(run.done).toHaveBeenCalledWith();
  });

  it('ends the virtual user when the connection drops mid-reply', () => {
    const socket = new FakeSocket();
    const run = turn(socket);
    socket.sent[0].ack(ok);
    socket.serverSends('disconnect', 'transport close');
    expect(run.done).toHaveBeenCalledWith(expect.objectContaining({ code: 'DISCONNECTED' }));
  });

  it('ends the virtual user when no reply comes in time', () => {
    jest.useFakeTimers();
    try {
      const socket = new FakeSocket();
      const run = turn(socket);
      socket.sent[0].ack(ok);
      jest.advanceTimersByTime(60_000);
      expect(run.done).toHaveBeenCalledWith(expect.objectContaining({ code: 'TIMEOUT' }));
      expect(socket.listenerCount('message:token')).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not send on a socket that is not connected', () => {
    const socket = new FakeSocket();
    socket.connected = false;
    const run = turn(socket);
    expect(socket.sent).toHaveLength(0);
    expect(run.done).toHaveBeenCalledWith(expect.objectContaining({ code: 'DISCONNECTED' }));
  });
});

describe('pickUser', () => {
  it('asks for a sign-up with a fresh handle when no keys file is given', () => {
    const context: ArtilleryContext = { vars: {} };
    const done = jest.fn();
    pickUser(context, new EventEmitter(), done);
    expect(done).toHaveBeenCalledWith();
    expect(context.vars.needSignup).toBe(true);
    expect(context.vars.handle).toMatch(/^art-/);
  });
});

describe('recordHttp', () => {
  it('names the timing after the path and counts the status', () => {
    const report = recorder();
    const next = jest.fn();
    recordHttp(
      { url: 'http://localhost:3000/v1/conversations' },
      { statusCode: 201, timings: { phases: { total: 12 } } },
      { vars: {} },
      report.events,
      next,
    );
    expect(report.histograms).toEqual({ 'twinproof.http.conversations': [12] });
    expect(report.counters).toEqual({ 'twinproof.http.codes.201': 1 });
    expect(next).toHaveBeenCalledWith();
  });
});
