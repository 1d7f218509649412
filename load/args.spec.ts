import { autoUsers, parseArgs, UsageError } from './args';

describe('parseArgs', () => {
  it('has defaults that run against npm start', () => {
    expect(parseArgs([])).toMatchObject({
      url: 'http://localhost:3000',
      creatorKeyFile: '.data/demo-creator.json',
      target: 'socket',
      rate: 10,
      turns: 3,
      slo: { ttftMs: 500, tpotMs: 40, e2eMs: undefined },
      perUserPerMinute: 30,
      proofs: false,
    });
  });

  it('finds the api as verify does: PUBLIC_URL, else http://HOST:PORT; the demo key in DATA_DIR', () => {
    expect(parseArgs([], { PORT: '3500' }).url).toBe('http://localhost:3500');
    expect(parseArgs([], { HOST: '127.0.0.1', PORT: '3500' }).url).toBe('http://127.0.0.1:3500');
    expect(parseArgs([], { PUBLIC_URL: 'https://api.example/', PORT: '3500' }).url).toBe(
      'https://api.example',
    );
    expect(parseArgs(['--url', 'http://10.0.0.2:4000'], { PORT: '3500' }).url).toBe('http://10.0.0.2:4000');
    expect(parseArgs([], { DATA_DIR: '/tmp/p2' }).creatorKeyFile).toBe('/tmp/p2/demo-creator.json');
    expect(() => parseArgs([], { PORT: 'abc' })).toThrow(/PORT[\s\S]*--url/);
  });

  it('reads values in both --flag value and --flag=value forms, and switches', () => {
    const options = parseArgs([
      '--rate=20',
      '--target',
      'openai',
      '--slo-e2e-ms',
      '2000',
      '--proofs',
      '--slo-tpot-ms',
      '0',
    ]);
    expect(options).toMatchObject({ rate: 20, target: 'openai', proofs: true, perUserPerMinute: 30 });
    expect(options.slo).toEqual({ ttftMs: 500, tpotMs: undefined, e2eMs: 2000 });
  });

  it('names the bad option', () => {
    expect(() => parseArgs(['--rate', 'fast'])).toThrow(/--rate/);
    expect(() => parseArgs(['--turns', '1.5'])).toThrow(UsageError);
    expect(() => parseArgs(['--bogus', '1'])).toThrow(/--bogus/);
    expect(() => parseArgs(['--target', 'grpc'])).toThrow(/--target/);
    expect(() => parseArgs(['--json'])).toThrow(/needs a value/);
  });
});

describe('autoUsers', () => {
  it('spreads sends so that no user passes the per-user limit in one window', () => {
    const base = {
      target: 'socket' as const,
      rate: 20,
      turns: 3,
      warmupS: 5,
      durationS: 20,
      perUserPerMinute: 30,
    };
    // 20/s × 3 turns × 25 s = 1500 sends, 30 each, +25%.
    expect(autoUsers(base)).toBe(63);
    expect(autoUsers({ ...base, durationS: 600 })).toBe(150);
  });
});
