import { AppConfig } from '@app/config';
import {
  API,
  CONSUMER_KEY,
  createStandIn,
  NOW,
  RELAY,
  REPLY,
  type StandIn,
} from '@app/privacy/client/testing/private-platform.stand-in';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChatArgs, runPrivateChat, UsageError, USAGE } from './private-chat-cli';

describe('npm run private-chat: arguments', () => {
  let dataDir: string;
  let config: AppConfig;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'private-chat-'));
    config = AppConfig.fromProcessEnv({ DATA_DIR: dataDir, PUBLIC_URL: 'http://api.example:3000/' });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const parse = (argv: string[], env: Record<string, string | undefined> = {}) =>
    parseChatArgs(argv, config, env);
  const required = ['--relay', RELAY, '--persona', 'vera'];

  it('defaults the api to this machine’s, the key to TWINPROOF_API_KEY, and the proof wait to 30 s', () => {
    expect(parse(required, { TWINPROOF_API_KEY: 'tp_env' })).toEqual({
      relay: RELAY,
      persona: 'vera',
      api: 'http://api.example:3000',
      key: 'tp_env',
      message: undefined,
      node: undefined,
      allowSameOperator: false,
      allowUnlisted: false,
      trustDevAuthorities: [],
      proofWaitS: 30,
      json: false,
    });
  });

  it('takes --key over the environment, and the demo key from DATA_DIR when neither is given', () => {
    expect(parse([...required, '--key', 'tp_flag'], { TWINPROOF_API_KEY: 'tp_env' })).toMatchObject({
      key: 'tp_flag',
    });
    expect(() => parse(required)).toThrow(/No api key: pass --key/);
    writeFileSync(join(dataDir, 'demo-creator.json'), JSON.stringify({ apiKey: 'tp_demo' }));
    expect(parse(required)).toMatchObject({ key: 'tp_demo' });
  });

  it('reads every flag', () => {
    const options = parse(
      [
        ...required,
        '--api',
        'http://other.example/',
        '--message',
        'hi',
        '--node',
        'node-7',
        '--allow-same-operator',
        '--allow-unlisted-relay',
        '--trust-dev-authority',
        '0x1563915e194D8CfBA1943570603F7606A3115508',
        '--proof-wait-s',
        '0',
        '--json',
      ],
      { TWINPROOF_API_KEY: 'tp_env' },
    );

    expect(options).toMatchObject({
      api: 'http://other.example',
      message: 'hi',
      node: 'node-7',
      allowSameOperator: true,
      allowUnlisted: true,
      trustDevAuthorities: ['0x1563915e194D8CfBA1943570603F7606A3115508'],
      proofWaitS: 0,
      json: true,
    });
  });

  it('refuses missing, unknown and malformed arguments with the usage', () => {
    const env = { TWINPROOF_API_KEY: 'tp_env' };
    expect(() => parse(['--persona', 'vera'], env)).toThrow(UsageError);
    expect(() => parse(['--persona', 'vera'], env)).toThrow(/Missing --relay/);
    expect(() => parse([], env)).toThrow(/Missing --relay and --persona/);
    expect(() => parse([...required, '--nope'], env)).toThrow(
      /Unknown option '--nope'[\s\S]*Usage: npm run private-chat/,
    );
    expect(() => parse([...required, '--proof-wait-s', 'soon'], env)).toThrow(/--proof-wait-s soon/);
    expect(() => parse([...required, '--message', '  '], env)).toThrow(/--message is empty/);
    expect(parse(['--help'], env)).toBe('help');
  });
});

describe('npm run private-chat: turns through the stand-in platform', () => {
  let dataDir: string;
  let config: AppConfig;
  let standIn: StandIn;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'private-chat-run-'));
    config = AppConfig.fromProcessEnv({ DATA_DIR: dataDir });
    standIn = await createStandIn();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function run(argv: string[], lines?: string[], target: StandIn = standIn) {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (line: string) => void out.push(line),
      err: (line: string) => void err.push(line),
      ...(lines ? { lines: () => lines } : {}),
    };
    const code = await runPrivateChat(
      [
        '--relay',
        RELAY,
        '--persona',
        'vera',
        '--api',
        API,
        '--key',
        CONSUMER_KEY,
        '--trust-dev-authority',
        target.authority.address,
        '--proof-wait-s',
        '2',
        ...argv,
      ],
      io,
      { config, env: {}, fetch: target.platform.fetch, now: () => NOW },
    );
    return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
  }

  it('shows the reply only after its receipt verified, then the proof status', async () => {
    const result = await run(['--message', 'Where does my sister live?']);

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatch(
      /^Private route: relay http:\/\/relay\.test \(run by @relayco\) → gateway node node-1/,
    );
    expect(result.lines[1]).toBe(REPLY);
    expect(result.lines[2]).toMatch(`✓ verified: signed by ${standIn.node.address} (the gateway's node)`);
    expect(result.lines[3]).toMatch(/first piece after \d+ ms, 3 pieces/);
    expect(result.lines[4]).toBe('  proof: anchored (tx 0xabc)');
  });

  it('waits for a receipt still being stored (404 at first) instead of failing the turn', async () => {
    standIn.platform.bundleMisses = 2;
    const result = await run(['--message', 'hi', '--proof-wait-s', '0']);

    expect(result.code).toBe(0);
    expect(standIn.platform.bundleMisses).toBe(0);
    expect(result.lines[1]).toBe(REPLY);
  });

  it('never shows a reply whose receipt does not match it, and exits 1', async () => {
    const bundle = standIn.platform.bundle;
    standIn.platform.bundle = { ...bundle, salt: `0x${'6b'.repeat(32)}` };
    try {
      const result = await run(['--message', 'Where does my sister live?']);

      expect(result.code).toBe(1);
      expect(result.out).not.toContain('Lisbon');
      expect(result.err).toMatch(/NOT SHOWN: .*output-hash/);
    } finally {
      standIn.platform.bundle = bundle;
    }
  });

  it('keeps the conversation client-side: each turn sends the previous ones, with one token each', async () => {
    const chatsBefore = standIn.platform.innerChats.length;
    const issuedBefore = standIn.platform.issuedTokens;
    const result = await run(['--proof-wait-s', '0'], ['first question', '', 'second question']);

    expect(result.code).toBe(0);
    const sent = standIn.platform.innerChats.slice(chatsBefore);
    expect(sent.map((chat) => chat.body.messages)).toEqual([
      [{ role: 'user', content: 'first question' }],
      [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: REPLY },
        { role: 'user', content: 'second question' },
      ],
    ]);
    expect(new Set(sent.map((chat) => chat.authorization)).size).toBe(2);
    expect(standIn.platform.issuedTokens - issuedBefore).toBe(4);
  });

  it('prints one JSON object per turn with --json', async () => {
    const result = await run(['--message', 'hi', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      reply: REPLY,
      verified: true,
      servedByGateway: true,
      pieces: 3,
      proof: ['anchored'],
    });
  });

  it('refuses a relay run by the gateway node’s operator (exit 2) unless --allow-same-operator', async () => {
    const same = await createStandIn({ nodeOperator: 'op-same', relayOperator: 'op-same' });

    const refused = await run(['--message', 'hi'], undefined, same);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^SAME_OPERATOR: .*--allow-same-operator/);
    expect(same.platform.innerChats).toEqual([]);

    expect((await run(['--message', 'hi', '--allow-same-operator'], undefined, same)).code).toBe(0);
  });

  it('refuses a gateway whose attestation this machine does not trust (exit 2), sending nothing', async () => {
    const untrusted = await createStandIn();
    const result = await run(['--message', 'hi'], undefined, { ...untrusted, authority: standIn.authority });

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/NO_GATEWAY: .*untrusted dev authority/);
    expect(untrusted.platform.innerChats).toEqual([]);
  });

  it('prints the usage for --help (exit 0) and for no arguments (exit 2)', async () => {
    const out: string[] = [];
    const io = { out: (line: string) => void out.push(line), err: (line: string) => void out.push(line) };
    expect(await runPrivateChat(['--help'], io, { config, env: {} })).toBe(0);
    expect(out).toEqual([USAGE]);
    expect(await runPrivateChat([], io, { config, env: {} })).toBe(2);
  });
});
