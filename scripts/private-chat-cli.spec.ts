import { AppConfig } from '@app/config';
import { type BundleBatch, ChainReader, type CheckResult } from '@app/receipts';
import {
  API,
  CONSUMER_KEY,
  createStandIn,
  INFERENCE_ID,
  NOW,
  RELAY,
  REPLY,
  SESSION_KEY,
  type StandIn,
} from '@app/privacy/client/testing/private-platform.stand-in';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChatOptions, parseChatArgs, runPrivateChat, UsageError, USAGE } from './private-chat-cli';

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

  it('defaults the api to this machine’s, the key to TWINPROOF_API_KEY, the wallet to DATA_DIR, the proof wait to 30 s', () => {
    expect(parse(required, { TWINPROOF_API_KEY: 'tp_env' })).toEqual({
      relay: RELAY,
      persona: 'vera',
      api: 'http://api.example:3000',
      key: 'tp_env',
      keySource: 'TWINPROOF_API_KEY',
      tokensFile: join(dataDir, 'private-tokens.json'),
      buyTokens: undefined,
      message: undefined,
      node: undefined,
      allowSameOperator: false,
      allowUnlisted: false,
      trustDevAuthorities: [],
      proofWaitS: 30,
      json: false,
    });
  });

  it('takes the key from --key, TWINPROOF_KEY, TWINPROOF_API_KEY, then DATA_DIR, and says which', () => {
    const both = { TWINPROOF_KEY: 'tp_readme', TWINPROOF_API_KEY: 'tp_env' };
    expect(parse([...required, '--key', 'tp_flag'], both)).toMatchObject({
      key: 'tp_flag',
      keySource: '--key',
    });
    expect(parse(required, both)).toMatchObject({ key: 'tp_readme', keySource: 'TWINPROOF_KEY' });
    // No key is no error until tokens must be bought: a wallet bought ahead needs none.
    const keyless = parse(required) as ChatOptions;
    expect([keyless.key, keyless.keySource]).toEqual([undefined, undefined]);
    writeFileSync(join(dataDir, 'demo-creator.json'), JSON.stringify({ apiKey: 'tp_demo' }));
    expect(parse(required)).toMatchObject({
      key: 'tp_demo',
      keySource: "the demo creator's key in DATA_DIR",
    });
  });

  it('takes the api from TWINPROOF_URL (as the README exports it) when --api is not given', () => {
    expect(parse(required, { TWINPROOF_URL: 'http://readme.example:3000/' })).toMatchObject({
      api: 'http://readme.example:3000',
    });
    expect(
      parse([...required, '--api', 'http://flag.example'], { TWINPROOF_URL: 'http://readme.example' }),
    ).toMatchObject({ api: 'http://flag.example' });
  });

  it('needs no relay or persona to only buy tokens, and refuses a count it cannot buy', () => {
    expect(parse(['--buy-tokens', '40', '--tokens-file', '/tmp/w.json'])).toMatchObject({
      buyTokens: 40,
      tokensFile: '/tmp/w.json',
      relay: undefined,
    });
    expect(() => parse(['--buy-tokens', '0'])).toThrow(/--buy-tokens 0 is not a number/);
    expect(() => parse(['--buy-tokens', 'many'])).toThrow(UsageError);
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
  /** The RPC URLs the chain was read at, by the stand-in reader below. */
  const chainReads: string[] = [];

  // No chain runs in this spec: the reader stands in for the chain only; the Merkle proof is checked for real.
  class ChainStandIn extends ChainReader {
    override checkAnchor(batch: BundleBatch): Promise<CheckResult> {
      chainReads.push(this.rpcUrl);
      return Promise.resolve({
        check: 'anchored-on-chain',
        status: 'pass',
        detail: `root ${batch.root} in block ${batch.blockNumber}`,
      });
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'private-chat-run-'));
    config = AppConfig.fromProcessEnv({ DATA_DIR: dataDir });
    standIn = await createStandIn();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function run(
    argv: string[],
    lines?: string[],
    target: StandIn = standIn,
    extra: { realChain?: boolean; tokensFile?: string; key?: string[] } = {},
  ) {
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
        ...(extra.key ?? ['--key', CONSUMER_KEY]),
        '--tokens-file',
        extra.tokensFile ?? join(dataDir, 'tokens.json'),
        '--trust-dev-authority',
        target.authority.address,
        '--proof-wait-s',
        '2',
        ...argv,
      ],
      io,
      {
        config,
        env: {},
        fetch: target.platform.fetch,
        now: () => NOW,
        ...(extra.realChain ? {} : { chainReader: (url: string) => new ChainStandIn(url) }),
      },
    );
    return { code, out: out.join('\n'), err: err.join('\n'), lines: out };
  }

  it('shows the reply only after its receipt verified, then the proof, checked on chain once anchored', async () => {
    const result = await run(['--message', 'Where does my sister live?']);

    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatch(
      /^Private route: relay http:\/\/relay\.test \(run by @relayco\) → gateway node node-1/,
    );
    expect(result.lines[1]).toBe(REPLY);
    expect(result.lines[2]).toMatch(`✓ verified: signed by ${standIn.node.address} (the gateway's node)`);
    expect(result.lines[3]).toMatch(/first piece after \d+ ms, 3 pieces/);
    expect(result.lines[4]).toBe('  proof: anchored (tx 0xabc)');
    expect(result.lines[5]).toBe('  ✓ anchored in block 7 (checked on chain)');
    // The chain's RPC URL came from GET /v1/chain through the relay, asked without any key.
    expect(chainReads.at(-1)).toBe(standIn.platform.chainRpcUrl);
    expect(standIn.platform.chainReads).toEqual(['']);
  });

  it('says which check failed when the anchored proof does not hold on chain, and exits 1', async () => {
    const result = await run(['--message', 'hi'], undefined, standIn, { realChain: true });

    expect(result.lines[1]).toBe(REPLY);
    expect(result.out).toMatch(/ {2}✗ anchored-on-chain: /);
    expect(result.out).not.toMatch(/checked on chain/);
    expect(result.code).toBe(1);
  });

  it('buys a batch into the wallet when it is empty, says so plainly, and spends bought tokens next time', async () => {
    const tokensFile = join(dataDir, 'fresh-wallet.json');
    const issuedBefore = standIn.platform.issuedTokens;

    const first = await run(['--message', 'hi', '--proof-wait-s', '0'], undefined, standIn, { tokensFile });
    expect(first.code).toBe(0);
    expect(standIn.platform.issuedTokens - issuedBefore).toBe(16);
    expect(first.err).toContain(
      'bought 16 tokens now; spending one right away lets the api link this purchase to this chat by its timing — next time, tokens bought earlier are spent',
    );
    expect(first.err).toContain('tokens bought with the key from --key');
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);

    const second = await run(['--message', 'hi', '--proof-wait-s', '0'], undefined, standIn, {
      tokensFile,
      key: [],
    });
    expect(second.code).toBe(0);
    expect(standIn.platform.issuedTokens - issuedBefore).toBe(16);
    expect(second.err).not.toMatch(/bought/);
  });

  it('--buy-tokens only buys ahead (no chat), and the next chat spends them without buying', async () => {
    const tokensFile = join(dataDir, 'bought-ahead.json');
    const issuedBefore = standIn.platform.issuedTokens;
    const chatsBefore = standIn.platform.innerChats.length;

    const bought = await run(['--buy-tokens', '20'], undefined, standIn, { tokensFile });
    expect(bought.code).toBe(0);
    expect(bought.err).toMatch(/bought 20 tokens; .*bought-ahead\.json holds 20/);
    expect(standIn.platform.issuedTokens - issuedBefore).toBe(20);
    expect(standIn.platform.innerChats.length).toBe(chatsBefore);

    const chat = await run(['--message', 'hi', '--proof-wait-s', '0'], undefined, standIn, { tokensFile });
    expect(chat.code).toBe(0);
    expect(chat.err).not.toMatch(/bought/);
    expect(standIn.platform.issuedTokens - issuedBefore).toBe(20);
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
      const result = await run(['--message', 'Where does my sister live?', '--proof-wait-s', '0']);

      expect(result.code).toBe(1);
      expect(result.out).not.toContain('Lisbon');
      expect(result.err).toMatch(/NOT SHOWN: .*output-hash/);
    } finally {
      standIn.platform.bundle = bundle;
    }
  });

  it('keeps the conversation client-side: each turn sends the previous ones, with one token each', async () => {
    const chatsBefore = standIn.platform.innerChats.length;
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
  });

  it('names the session key in the verify hint when the proof is not anchored in time', async () => {
    standIn.platform.proofStatus = 'attested';
    try {
      const result = await run(['--message', 'hi', '--proof-wait-s', '0.01']);
      expect(result.code).toBe(0);
      expect(result.err).toContain(
        `check it later with npm run verify -- ${INFERENCE_ID} --key ${SESSION_KEY}`,
      );
    } finally {
      standIn.platform.proofStatus = 'anchored';
    }
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
      onChain: { ok: true, block: 7 },
    });
  });

  it('says a turn that failed after its token was sent cost that token (exit 3)', async () => {
    standIn.platform.behaviour = 'api-error';
    try {
      const result = await run(['--message', 'hi']);
      expect(result.code).toBe(3);
      expect(result.err).toMatch(/^TOKEN_SPENT: .*\(its token is spent\)$/m);
      // The token that went out is gone from the wallet: a run after a failure never offers it again.
      const sent = /token="([^"]+)"/.exec(standIn.platform.innerChats.at(-1)!.authorization)![1];
      const wallet = readFileSync(join(dataDir, 'tokens.json'), 'utf8');
      expect(wallet.length).toBeGreaterThan(100);
      expect(wallet).not.toContain(sent);
    } finally {
      standIn.platform.behaviour = 'stream';
    }
  });

  it('refuses a relay run by the gateway node’s operator (exit 3) unless --allow-same-operator', async () => {
    const same = await createStandIn({ nodeOperator: 'op-same', relayOperator: 'op-same' });

    const refused = await run(['--message', 'hi'], undefined, same);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/^SAME_OPERATOR: .*--allow-same-operator/);
    expect(refused.err).not.toMatch(/token is spent/);
    expect(same.platform.innerChats).toEqual([]);

    expect((await run(['--message', 'hi', '--allow-same-operator'], undefined, same)).code).toBe(0);
  });

  it('with --json, a failure is one {"error":{code,message,party}} object on stdout', async () => {
    const same = await createStandIn({ nodeOperator: 'op-same', relayOperator: 'op-same' });
    const refused = await run(['--message', 'hi', '--json'], undefined, same);

    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.out)).toEqual({
      error: { code: 'SAME_OPERATOR', message: expect.stringMatching(/both run by/), party: 'client' },
    });
  });

  it('refuses a gateway whose attestation this machine does not trust (exit 3), sending nothing', async () => {
    const untrusted = await createStandIn();
    const result = await run(['--message', 'hi'], undefined, { ...untrusted, authority: standIn.authority });

    expect(result.code).toBe(3);
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
