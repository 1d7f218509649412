// API_PROCESSES=2 for real: the built api as a cluster primary that owns one port and two api worker processes
// behind it, sticky per socket.io session (@socket.io/sticky). Long-polling is the transport that needs it: each
// poll is a new HTTP request, and one that reaches the other process is "Session ID unknown". Emits cross processes
// through the Redis adapter: a reply streamed by one api process and the proofs the worker process publishes.
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { collectReply, emitAck, startReply, watchProofUpdates } from '@app/testing';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, Socket } from 'socket.io-client';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { WORKER_HEADER } from '../apps/api/src/cluster/sticky-worker';
import { createPersona, signUp, TestUser } from './support/api-harness';
import { freePort } from './support/isolated-services';
import { waitFor } from './support/wait-for';

const ROOT = join(__dirname, '..');

jest.setTimeout(120_000);

/** One HTTP request over a raw TCP connection, its body written in `pieces` with a pause between them. */
function rawRequest(port: number, head: string, pieces: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1');
    const answer: Buffer[] = [];
    socket.on('data', (chunk) => answer.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(answer).toString()));
    socket.on('error', reject);
    socket.write(head);
    const next = (i: number): void => {
      if (i >= pieces.length) return;
      socket.write(pieces[i]);
      setTimeout(() => next(i + 1), 30);
    };
    setTimeout(() => next(0), 30);
  });
}

/** The resident memory of a process, in bytes (Linux). */
function residentBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

/** A raw engine.io long-polling handshake: which api process answered, and the session id it opened there. */
async function pollingHandshake(url: string): Promise<{ worker: string; sid: string }> {
  const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const body = await response.text();
  expect(response.status).toBe(200);
  // The open packet: "0" then the handshake's JSON.
  const { sid } = JSON.parse(body.slice(1)) as { sid: string };
  return { worker: response.headers.get(WORKER_HEADER) ?? '', sid };
}

describe('two api processes behind one port (e2e)', () => {
  let cluster: ChildProcess;
  let url: string;
  let dataDir: string;
  let worker: INestApplicationContext;
  let creator: TestUser;
  let personaId: string;
  const output: string[] = [];
  const sockets: Socket[] = [];

  const connect = (user: TestUser, transport: 'polling' | 'websocket'): Promise<Socket> => {
    const socket = io(`${url}/chat`, {
      auth: { token: user.apiKey },
      transports: [transport],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  };

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'twinproof-scale-out-'));
    cluster = spawn(process.execPath, [join(ROOT, 'dist/apps/api/src/main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        API_PROCESSES: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        SIGNUP_RATE_LIMIT_PER_HOUR: '100000',
        RATE_LIMIT_PER_MINUTE: '100000',
        SOCKET_CONNECTS_PER_MINUTE: '100000',
        CONVERSATIONS_PER_HOUR: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cluster.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    cluster.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    // The primary listens only once both workers serve.
    await waitFor(
      async () => {
        if (cluster.exitCode !== null) throw new Error(`the api exited:\n${output.join('')}`);
        return (await fetch(`${url}/health`).catch(() => undefined))?.ok ?? false;
      },
      'the api cluster to serve',
      90_000,
      200,
    );
    // The worker process: it attests and anchors replies and publishes proof:update through Redis.
    // With the api's DATA_DIR: it trusts the dev attestation CA the api's in-process node was certified by.
    worker = await createWorker(AppConfig.fromProcessEnv({ LOG_LEVEL: 'warn', DATA_DIR: dataDir }));
    creator = await signUp(url, 'creator');
    personaId = (
      await createPersona(url, creator, { name: 'Twin', personality: 'plain', verification: 'attested' })
    ).id;
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.disconnect());
    await worker?.close();
    if (cluster && cluster.exitCode === null) {
      const exited = new Promise((resolve) => cluster.once('exit', resolve));
      cluster.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('chats over long-polling and websocket, each socket hearing the other process and the worker', async () => {
    const consumer = await signUp(url, 'consumer');
    const conversationId = (
      await request(url).post('/v1/conversations').set(consumer.auth).send({ personaId }).expect(201)
    ).body.id as string;
    // Fewest sessions first: on a fresh cluster the first socket goes to one process, the second to the other.
    const polling = await connect(consumer, 'polling');
    const websocket = await connect(consumer, 'websocket');
    expect(await emitAck(websocket, 'conversation:join', { conversationId })).toMatchObject({ ok: true });
    const pollingProofs = watchProofUpdates(polling);
    const websocketProofs = watchProofUpdates(websocket);

    const ids: { first?: string; second?: string } = {};
    const heard = collectReply(websocket, () => ids.first);
    const sent = await startReply(polling, conversationId, 'Tell me about the two of you.');
    expect(sent.ack.ok).toBe(true);
    ids.first = sent.ack.assistantMessageId;
    const reply = await sent.reply;
    expect(reply.tokens.length).toBeGreaterThanOrEqual(1);
    expect(reply.tokens.map((t) => t.seq)).toEqual(reply.tokens.map((_, i) => i));
    expect(reply.done?.content).toBe(reply.tokens.map((t) => t.delta).join(''));
    const remote = await heard;
    expect(remote.done?.content).toBe(reply.done?.content);
    expect(remote.tokens.map((t) => t.delta).join('')).toBe(reply.done?.content);

    // Proofs come from the worker process, through the Redis adapter, to sockets on both api processes.
    const inferenceId = reply.done!.inferenceId;
    const anchored = (u: { inferenceId: string; status: string }): boolean =>
      u.inferenceId === inferenceId && u.status === 'anchored';
    await Promise.all([pollingProofs.until(anchored, 30_000), websocketProofs.until(anchored, 30_000)]);

    // The websocket client sends too: a second turn streamed by the other process reaches the polling client.
    const overPolling = collectReply(polling, () => ids.second);
    const second = await startReply(websocket, conversationId, 'And what do you remember?');
    expect(second.ack.ok).toBe(true);
    ids.second = second.ack.assistantMessageId;
    expect((await overPolling).done?.content).toBe((await second.reply).done?.content);
  });

  it('spreads sessions across both processes and keeps each polling session on its own', async () => {
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push(await pollingHandshake(url));
    expect(new Set(sessions.map((s) => s.worker)).size).toBe(2);
    // Every later request of a session reaches the process that opened it; the other one would answer 400,
    // "Session ID unknown". A poll returns at once with the namespace's connect request pending: send it first.
    for (const { sid, worker } of sessions) {
      for (let poll = 0; poll < 3; poll++) {
        const sentConnect = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
          method: 'POST',
          body: '40/chat,{}',
        });
        expect(sentConnect.headers.get(WORKER_HEADER)).toBe(worker);
        expect({ status: sentConnect.status, body: await sentConnect.text() }).toEqual({
          status: 200,
          body: 'ok',
        });
        const polled = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
        expect(polled.headers.get(WORKER_HEADER)).toBe(worker);
        expect(polled.status).toBe(200);
        await polled.text();
      }
      // Closes the session (engine.io's close packet).
      await (
        await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '1' })
      ).text();
    }
  });

  it('balances REST requests too, and names the process that answered', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, async () => (await fetch(`${url}/health`)).headers.get(WORKER_HEADER)),
    );
    expect(new Set(answers).size).toBe(2);
  });

  it('hands a request whose body comes in pieces to one worker, whole', async () => {
    const description = 'd'.repeat(60_000);
    const body = Buffer.from(JSON.stringify({ name: 'Pieces', personality: 'plain', description }));
    const head =
      `POST /v1/personas HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${creator.auth.Authorization}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const quarter = Math.ceil(body.length / 4);
    const pieces = [0, 1, 2, 3].map((i) => body.subarray(i * quarter, (i + 1) * quarter));
    const answer = await rawRequest(Number(new URL(url).port), head, pieces);
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    const { id } = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { id: string };
    const stored = await request(url).get(`/v1/personas/${id}`).set(creator.auth).expect(200);
    expect((stored.body as { description: string }).description).toBe(description);
  });

  it('buffers nothing of a body in the primary: 256 MiB streamed at it leave its memory where it was', async () => {
    const before = residentBytes(cluster.pid!);
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let written = 0;
    const closed = await new Promise<string>((resolve) => {
      const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
      const answer: Buffer[] = [];
      socket.on('data', (data) => answer.push(data));
      socket.on('error', () => resolve(Buffer.concat(answer).toString()));
      socket.on('close', () => resolve(Buffer.concat(answer).toString()));
      socket.write(
        `POST /v1/personas HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${creator.auth.Authorization}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n',
      );
      const pump = (): void => {
        // 256 MiB at most: a primary that relayed it (as @socket.io/sticky's does) would grow by about as much.
        while (written < 256 && !socket.destroyed) {
          written += 1;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
    // Refused before its body is read (the api's body limit; Node's own parser may answer first).
    expect(closed).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(residentBytes(cluster.pid!) - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('starts a worker again when one dies; connections meanwhile are served or wait for it', async () => {
    const workerPids = execFileSync('pgrep', ['-P', String(cluster.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    expect(workerPids).toHaveLength(2);
    process.kill(workerPids[0], 'SIGKILL');
    // Once the primary knows: a connection handed to a worker in the instant it dies is lost with it (docs/scaling.md).
    await waitFor(
      async () => output.join('').includes('died (SIGKILL)'),
      'the primary to see the worker die',
    );
    // Fewest open requests first: the new worker, still starting, gets most of these; all are answered.
    const health = (): Promise<Response> => fetch(`${url}/health`, { signal: AbortSignal.timeout(20_000) });
    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await health()).status));
    expect(statuses).toEqual(statuses.map(() => 200));
    // Workers are numbered in the order they were forked: the third is the one started again.
    await waitFor(async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async () => (await health()).headers.get(WORKER_HEADER)),
      );
      return answers.includes('3');
    }, 'the restarted worker to serve');
  });

  it('stops on SIGTERM: the primary and both workers exit', async () => {
    const exited = new Promise<number | null>((resolve) => cluster.once('exit', (code) => resolve(code)));
    cluster.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
