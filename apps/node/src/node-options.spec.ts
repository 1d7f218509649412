import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeOptionsError, parseNodeOptions, wantsHelp } from './node-options';

const required = ['--api', 'http://api.example:3000/', '--operator-key', 'tp_key'];

describe('parseNodeOptions', () => {
  it('serves the embedded model on any port by default, with its key under .data/node-<name>', () => {
    const options = parseNodeOptions([...required, '--name', 'box 1'], {});
    expect(options).toMatchObject({
      apiUrl: 'http://api.example:3000',
      operatorKey: 'tp_key',
      modelIds: ['embedded'],
      upstream: undefined,
      port: 0,
      host: '0.0.0.0',
      publicUrl: undefined,
      name: 'box 1',
      dataDir: '.data/node-box-1',
      heartbeatMs: 5_000,
      drainMs: 30_000,
    });
  });

  it('fronts an upstream under the model id personas name; flags win over the environment', () => {
    const options = parseNodeOptions(
      [...required, '--upstream', 'http://gpu:8000/v1', '--model-id', 'llama3', '--listen', '8080'],
      { NODE_UPSTREAM_MODEL: 'meta-llama/Llama-3-8B', NODE_UPSTREAM_KEY: 'sk-up', NODE_MODEL_ID: 'ignored' },
    );
    expect(options).toMatchObject({
      modelIds: ['llama3'],
      upstream: { baseURL: 'http://gpu:8000/v1', apiKey: 'sk-up', model: 'meta-llama/Llama-3-8B' },
      port: 8080,
    });
    expect(
      parseNodeOptions([...required, '--upstream', 'http://gpu:8000/v1', '--upstream-model', 'm'], {}),
    ).toMatchObject({ modelIds: ['m'], upstream: { model: 'm' } });
  });

  it('reads everything from the environment when no flag is given', () => {
    const options = parseNodeOptions([], {
      NODE_API_URL: 'https://api.example',
      NODE_OPERATOR_KEY: 'tp_env',
      NODE_PUBLIC_URL: 'https://node.example',
      NODE_REGION: 'eu-west',
      NODE_PROVIDER: 'hetzner',
      NODE_HEARTBEAT_MS: '1000',
    });
    expect(options).toMatchObject({
      apiUrl: 'https://api.example',
      operatorKey: 'tp_env',
      publicUrl: 'https://node.example',
      region: 'eu-west',
      provider: 'hetzner',
      heartbeatMs: 1_000,
    });
  });

  describe('--gguf', () => {
    let dir: string;
    let model: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'node-options-'));
      model = join(dir, 'Tiny-Llama.Q4.gguf');
      writeFileSync(model, 'GGUF');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('serves a local model file under its file name, or --model-id; threads and parallel from flags or env', () => {
      expect(parseNodeOptions([...required, '--gguf', model], {})).toMatchObject({
        modelIds: ['Tiny-Llama.Q4'],
        upstream: undefined,
        gguf: { path: model, threads: undefined, parallel: 2 },
      });
      expect(
        parseNodeOptions([...required, '--gguf', model, '--model-id', 'tiny', '--gguf-threads', '1'], {
          NODE_GGUF_PARALLEL: '4',
        }),
      ).toMatchObject({ modelIds: ['tiny'], gguf: { path: model, threads: 1, parallel: 4 } });
    });

    it.each([
      [['--gguf', 'missing.gguf'], /no model file at "missing.gguf"/],
      [['--gguf', '.'], /no model file/],
      [['--gguf', 'MODEL', '--upstream', 'http://gpu/v1'], /not both/],
      [['--gguf', 'MODEL', '--model-id', 'embedded:slow'], /a GGUF model needs its own id/],
      [['--gguf', 'MODEL', '--gguf-parallel', '0'], /--gguf-parallel must be an integer from 1/],
      [['--gguf', 'MODEL', '--gguf-threads', 'all'], /--gguf-threads must be an integer/],
    ])('refuses %j', (extra, message) => {
      const argv = [...required, ...extra.map((arg) => (arg === 'MODEL' ? model : arg))];
      expect(() => parseNodeOptions(argv, {})).toThrow(NodeOptionsError);
      expect(() => parseNodeOptions(argv, {})).toThrow(message);
    });
  });

  it.each([
    [[], /--api/],
    [['--api', 'http://a'], /--operator-key/],
    [['--api', 'ftp://a', '--operator-key', 'k'], /--api must be an http/],
    [[...required, '--listen', '70000'], /--listen/],
    [[...required, '--model-id', 'llama3'], /give --upstream or --gguf/],
    [[...required, '--upstream', 'http://gpu/v1'], /--model-id/],
    [[...required, '--upstream', 'http://gpu/v1', '--model-id', 'embedded'], /embedded model/],
    [[...required, '--unknown', 'x'], /unknown/i],
    [[...required, '--embedded-latency', 'glacial'], /EMBEDDED_LATENCY\) must be instant, local/],
  ])('refuses %j with a readable message and the usage', (argv, message) => {
    expect(() => parseNodeOptions(argv, {})).toThrow(NodeOptionsError);
    expect(() => parseNodeOptions(argv, {})).toThrow(message);
  });

  it('paces embedded replies by EMBEDDED_LATENCY, as the api does (a flag wins); instant when unset', () => {
    expect(parseNodeOptions(required, {}).embeddedLatency).toBeUndefined();
    expect(parseNodeOptions(required, { EMBEDDED_LATENCY: 'ttft=300,tps=5' }).embeddedLatency).toEqual({
      ttftMs: 300,
      tokensPerSecond: 5,
    });
    expect(
      parseNodeOptions([...required, '--embedded-latency', 'slow'], { EMBEDDED_LATENCY: 'local' })
        .embeddedLatency,
    ).toEqual({ ttftMs: 1500, tokensPerSecond: 10 });
  });

  it('asks for help with --help or -h, wherever it stands', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp([...required, '-h'])).toBe(true);
    expect(wantsHelp(required)).toBe(false);
  });

  describe('--tee', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'node-tee-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is dev by default; tdx reads its collateral file at start and defaults to the kernel TSM root', () => {
      expect(parseNodeOptions(required, {}).tee).toEqual({ kind: 'dev' });
      const file = join(dir, 'collateral.json');
      writeFileSync(file, JSON.stringify({ tcb_info: '{}' }));
      expect(parseNodeOptions([...required, '--tee', 'tdx', '--tee-collateral', file], {}).tee).toEqual({
        kind: 'tdx',
        tsmRoot: '/sys/kernel/config/tsm/report',
        collateral: { tcb_info: '{}' },
      });
      expect(
        parseNodeOptions(required, { NODE_TEE: 'tdx', NODE_TSM_ROOT: dir, NODE_TEE_COLLATERAL: file }).tee,
      ).toMatchObject({ kind: 'tdx', tsmRoot: dir });
    });

    it('refuses an unknown kind, and tdx without a readable JSON object as collateral', () => {
      const parse =
        (...args: string[]) =>
        () =>
          parseNodeOptions([...required, ...args], {});
      expect(parse('--tee', 'sev')).toThrow('--tee must be dev or tdx, not "sev".');
      expect(parse('--tee', 'tdx')).toThrow('--tee tdx needs --tee-collateral FILE');
      expect(parse('--tee', 'tdx', '--tee-collateral', join(dir, 'none.json'))).toThrow('no readable file');
      writeFileSync(join(dir, 'list.json'), '[]');
      expect(parse('--tee', 'tdx', '--tee-collateral', join(dir, 'list.json'))).toThrow(
        'is not a JSON object',
      );
      writeFileSync(join(dir, 'big.json'), JSON.stringify({ pad: 'x'.repeat(70_000) }));
      expect(parse('--tee', 'tdx', '--tee-collateral', join(dir, 'big.json'))).toThrow('is over 65536 bytes');
    });
  });

  it('pins the files of --hub-dir (or NODE_HUB_DIR), and refuses a folder that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'node-hub-dir-'));
    try {
      expect(parseNodeOptions([...required, '--hub-dir', dir], {}).hubDir).toBe(dir);
      expect(parseNodeOptions(required, { NODE_HUB_DIR: dir }).hubDir).toBe(dir);
      expect(parseNodeOptions(required, {}).hubDir).toBeUndefined();
      expect(() => parseNodeOptions([...required, '--hub-dir', join(dir, 'missing')], {})).toThrow(
        '--hub-dir: no folder at',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
