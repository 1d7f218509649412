import { INestApplicationContext } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createWorker } from '../apps/worker/src/bootstrap';
import { DemoCreator, seedDemo } from '../scripts/seed-demo';
import { runVerify } from '../scripts/verify-cli';
import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';

const ROOT = join(__dirname, '..');
// The socket example waits for the reply's anchor and zk proof, which a loaded machine can take a while to make
// (zk proving is CPU-bound and shares two cores with the rest of the suite).
const EXAMPLE_TIMEOUT_MS = 100_000;
const PROOF_TEST_TIMEOUT_MS = 120_000;

/** The README's first session, block by block, against a real api and worker: the demo persona, the example
 * clients in examples/, the example card and `npm run verify` with the flags the README gives it. */
describe("The README's first session (e2e)", () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let dir: string;
  let keyFile: string;
  let demo: DemoCreator;
  let consumer: TestUser;

  beforeAll(async () => {
    const overrides = { LOG_LEVEL: 'warn', BATCH_MAX_AGE_MS: '300', RECONCILE_INTERVAL_MS: '1000' };
    api = await startApi(overrides);
    worker = await createWorker(AppConfig.fromProcessEnv(overrides));
    dir = mkdtempSync(join(tmpdir(), 'first-session-'));
    keyFile = join(dir, 'demo-creator.json');
    demo = await seedDemo(keyFile);
    consumer = await signUp(api.url, 'consumer');
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startConversation(): Promise<string> {
    // As the README does it: the persona by its slug.
    const response = await request(api.url)
      .post('/v1/conversations')
      .set(consumer.auth)
      .send({ personaId: 'ada' })
      .expect(201);
    return response.body.id as string;
  }

  function runExample(script: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
    const env = { ...process.env, TWINPROOF_URL: api.url, TWINPROOF_KEY: consumer.apiKey };
    return new Promise((resolve) => {
      // Killed rather than left behind if it hangs (a proof that never comes): the test then fails on its exit code.
      const options = { env, cwd: ROOT, timeout: EXAMPLE_TIMEOUT_MS };
      execFile('node', [join(ROOT, 'examples', script), ...args], options, (error, out, err) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, out, err });
      });
    });
  }

  async function verify(args: string[]) {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const code = await runVerify(args, io, AppConfig.fromProcessEnv());
    return { code, output: lines.join('\n') };
  }

  it('seeds a demo creator whose key file only its owner can read, and the public zk persona ada, once', async () => {
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const creator = await request(api.url)
      .get('/v1/me')
      .set({ Authorization: `Bearer ${demo.apiKey}` })
      .expect(200);
    expect(creator.body).toMatchObject({ handle: 'demo-creator', role: 'creator' });
    const ada = await request(api.url).get('/v1/personas/ada').expect(200);
    expect(ada.body).toMatchObject({ slug: 'ada', visibility: 'public', verification: 'zk' });

    // A second `npm start` keeps the key and does not seed Ada twice.
    expect(await seedDemo(keyFile)).toEqual(demo);
    const mine = await request(api.url)
      .get('/v1/personas?owner=me')
      .set({ Authorization: `Bearer ${demo.apiKey}` })
      .expect(200);
    const slugs = (mine.body.data as { slug: string }[]).map((p) => p.slug);
    expect(slugs.filter((slug) => slug.startsWith('ada'))).toEqual(['ada']);
  });

  it('starts a conversation with ada by slug, greeted by her first message', async () => {
    const conversationId = await startConversation();
    const history = await request(api.url)
      .get(`/v1/conversations/${conversationId}/messages`)
      .set(consumer.auth)
      .expect(200);
    expect(history.body.data).toEqual([
      expect.objectContaining({ role: 'assistant', content: expect.stringContaining('Good day!') }),
    ]);
  });

  it('examples/chat-openai.mjs: the official openai client gets a reply that honours the history it sent, and a stream', async () => {
    const result = await runExample('chat-openai.mjs', ['ada']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('Tomasino');
    expect(result.out).toMatch(/\[stop\] inference [0-9a-f-]{36}/);
    expect(result.out).toMatch(/\[streamed\] inference [0-9a-f-]{36}/);
  });

  it(
    'examples/chat-socket.mjs: message:send with the full payload streams a reply and its proof until anchored and zk-proven',
    async () => {
      const conversationId = await startConversation();
      const result = await runExample('chat-socket.mjs', [conversationId, 'Tell me about the engine.']);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(result.out).toContain('Analytical Engine');
      expect(result.out).toMatch(/\[done\] inference [0-9a-f-]{36}/);
      expect(result.out).toContain('[proof] anchored');
      expect(result.out).toContain('zk verified');
    },
    PROOF_TEST_TIMEOUT_MS,
  );

  it(
    'npm run verify --api --key: the socket reply passes every check (strict), and so does the audit export of the greeted conversation',
    async () => {
      const conversationId = await startConversation();
      const chat = await runExample('chat-socket.mjs', [conversationId, 'My name is Grace.']);
      // The whole result, so a failure shows what the example printed.
      expect(chat).toMatchObject({ code: 0 });
      const inferenceId = /\[done\] inference ([0-9a-f-]{36})/.exec(chat.out)?.[1] ?? '';

      const one = await verify([inferenceId, '--api', api.url, '--key', consumer.apiKey, '--strict']);
      expect(one).toMatchObject({
        code: 0,
        output: expect.stringContaining('VERIFIED: every check passed.'),
      });
      expect(one.output).toContain('✓ output-hash');

      const audit = await request(api.url)
        .get(`/v1/conversations/${conversationId}/audit`)
        .set(consumer.auth)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      const file = join(dir, 'ada.jsonl');
      writeFileSync(file, audit.body as string);
      const all = await verify([file, '--strict']);
      expect(all).toMatchObject({
        code: 0,
        output: expect.stringContaining('VERIFIED: every check passed.'),
      });
      expect(all.output).toContain('1 greeting(s) from the persona');
    },
    PROOF_TEST_TIMEOUT_MS,
  );

  it('imports the example card in docs/examples, as a PNG and as V3 JSON', async () => {
    const auth = { Authorization: `Bearer ${demo.apiKey}` };
    const png = await request(api.url)
      .post('/v1/personas/import')
      .set(auth)
      .attach('file', join(ROOT, 'docs/examples/mirela.png'))
      .expect(201);
    expect(png.body).toMatchObject({ name: 'Mirela', slug: expect.stringMatching(/^mirela/) });
    const json = await request(api.url)
      .post('/v1/personas/import')
      .set(auth)
      .set('content-type', 'application/json')
      .send(readFileSync(join(ROOT, 'docs/examples/mirela.json'), 'utf8'))
      .expect(201);
    expect(json.body).toMatchObject({ name: 'Mirela' });
    const exported = await request(api.url)
      .get(`/v1/personas/${png.body.slug}/export?format=ccv3`)
      .expect(200);
    expect(exported.body.data.character_book.entries).toHaveLength(2);
  });

  it('names in its first session only files that exist, and runs the examples and flags tested here', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const session = /## A first session\n[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    for (const command of [
      'node examples/chat-openai.mjs ada',
      'node examples/chat-socket.mjs $CONV',
      '-F file=@docs/examples/mirela.png',
      '"personaId":"ada"',
      'npm run -s verify -- $INFERENCE --api $TWINPROOF_URL --key $TWINPROOF_KEY',
      'jq -r .apiKey ${DATA_DIR:-.data}/demo-creator.json',
    ])
      expect(session).toContain(command);
    const paths = readme.match(/(?<![\w./-])(?:examples|docs\/examples|scripts|test)\/[\w./-]+\.\w+/g) ?? [];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of new Set(paths)) expect([path, existsSync(join(ROOT, path))]).toEqual([path, true]);
  });
});
