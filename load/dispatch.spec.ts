import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args';
import { dispatch, Output } from './dispatch';
import { presetOptions } from './scenarios/chat';
import { SCENARIOS } from './scenarios';
import type { Scenario, ScenarioResult } from './scenarios/scenario';
import { SetupError } from './setup';

const capture = (): Output & { stdout: string; stderr: string } => {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
};

const RESULT: ScenarioResult = {
  json: { scenario: 'fake', results: { completed: 3 }, requests: { rows: [[0, 0, 1, 0.5]] } },
  markdown: '# Fake\n\n3 completed\n',
  html: '<!doctype html><title>Fake</title>',
};

/** A scenario that records what it was given and answers as told. */
function fake(
  name: string,
  outcome: () => ScenarioResult = () => RESULT,
): Scenario & { argv?: readonly string[] } {
  const scenario: Scenario & { argv?: readonly string[] } = {
    name,
    summary: `the ${name} one`,
    usage: `Usage: ${name} options\n`,
    run(argv) {
      scenario.argv = argv;
      return Promise.resolve().then(outcome);
    },
  };
  return scenario;
}

describe('npm run load (dispatch)', () => {
  it("lists the scenarios for --help, and a scenario's own usage for --scenario NAME --help", async () => {
    const io = capture();
    expect(await dispatch(['--help'], {}, [fake('chat'), fake('idle')], io)).toBe(0);
    expect(io.stdout).toMatch(/chat\s+the chat one/);
    expect(io.stdout).toMatch(/idle\s+the idle one/);

    const own = capture();
    expect(await dispatch(['--scenario', 'idle', '--help'], {}, [fake('chat'), fake('idle')], own)).toBe(0);
    expect(own.stdout).toBe('Usage: idle options\n');
  });

  it('refuses an unknown scenario with exit 2 and the list', async () => {
    const io = capture();
    expect(await dispatch(['--scenario', 'nope'], {}, [fake('chat'), fake('idle')], io)).toBe(2);
    expect(io.stderr).toContain('Unknown scenario "nope"');
    expect(io.stderr).toMatch(/idle\s+the idle one/);
  });

  it('refuses --scenario or --out without a value with exit 2', async () => {
    expect(await dispatch(['--scenario'], {}, [fake('chat')], capture())).toBe(2);
    expect(await dispatch(['--out', '--rate', '5'], {}, [fake('chat')], capture())).toBe(2);
  });

  it('runs the first scenario by default and hands it every option but its own', async () => {
    const chat = fake('chat');
    const io = capture();
    expect(await dispatch(['--rate', '5', '--out=/dev/null/x', '--duration', '2'], {}, [chat], io)).toBe(2);
    // An --out that cannot be created is refused before the run, not after it.
    expect(chat.argv).toBeUndefined();
    expect(await dispatch(['--rate', '5', '--duration', '2'], {}, [chat], io)).toBe(0);
    expect(chat.argv).toEqual(['--rate', '5', '--duration', '2']);
    // Without --out: printed only.
    expect(io.stdout).toBe('# Fake\n\n3 completed\n');
  });

  it('writes report.json, report.md and report.html into --out (created) and prints the Markdown', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'h1-load-')), 'nested', 'out');
    const io = capture();
    expect(await dispatch(['--scenario', 'chat', '--out', dir], {}, [fake('chat')], io)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(RESULT.json);
    // Rows of plain values stay on one line.
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toContain('[0,0,1,0.5]');
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(RESULT.markdown);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(RESULT.html);
    expect(io.stdout).toBe(RESULT.markdown);
  });

  it('exits 2 with the scenario usage for its bad options, 1 when setup fails, and writes no report', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'h1-load-')), 'out');
    const bad = capture();
    const refuse = fake('chat', () => {
      throw new UsageError('--rate must be a positive number, not "x".');
    });
    expect(await dispatch(['--rate', 'x', '--out', dir], {}, [refuse], bad)).toBe(2);
    expect(bad.stderr).toContain('--rate must be a positive number');
    expect(bad.stderr).toContain('Usage: chat options');
    expect(existsSync(join(dir, 'report.json'))).toBe(false);

    const down = capture();
    const fail = fake('chat', () => {
      throw new SetupError('The platform at http://localhost:1 is not answering.');
    });
    expect(await dispatch([], {}, [fail], down)).toBe(1);
    expect(down.stderr).toContain('Setup failed: The platform at http://localhost:1');
  });
});

describe('the chat-like scenarios', () => {
  it('are registered: chat first (the default), then openai, long and proofs', () => {
    expect(SCENARIOS.slice(0, 4).map((s) => s.name)).toEqual(['chat', 'openai', 'long', 'proofs']);
  });

  it('apply their preset, and a flag given on the command line wins over it', () => {
    const long = presetOptions(['--turns', '20', '--think-ms', '300'], ['--turns', '5'], {});
    expect(long.turns).toBe(5);
    expect(long.thinkMs).toBe(300);
    const proofs = presetOptions(['--verification', 'attested', '--proofs'], ['--verification=zk'], {});
    expect(proofs.verification).toBe('zk');
    expect(proofs.proofs).toBe(true);
    expect(presetOptions(['--target', 'openai'], [], {}).target).toBe('openai');
  });

  it('take --out instead of --json, and pass bad options on as usage errors', async () => {
    const chat = SCENARIOS.find((s) => s.name === 'chat') as Scenario;
    await expect(chat.run(['--json', 'x.json'], {})).rejects.toThrow(/--out DIR/);
    await expect(chat.run(['--rate', '-1'], {})).rejects.toThrow(UsageError);
    expect(chat.usage).toContain('--sweep');
    expect(chat.usage).not.toContain('--json');
    expect(SCENARIOS.find((s) => s.name === 'long')?.usage).toContain('Preset: --turns 20 --think-ms 300');
  });
});
