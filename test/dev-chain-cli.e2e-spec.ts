import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNodeProcess } from './support/node-processes';

const SCRIPT = join(__dirname, '..', 'dist/scripts/dev-chain.js');

describe('node dist/scripts/dev-chain.js (e2e)', () => {
  beforeAll(() => buildNodeProcess(), 120_000);

  it('prints its usage for --help or -h, and for an option it does not know or a flag without its value, instead of starting a chain on 8545', () => {
    const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stderr).toContain('Usage: node dist/scripts/dev-chain.js [--port 8545]');
    expect(help.stdout).toBe('');
    for (const args of [['--prot', '9999'], ['--port'], ['-x']]) {
      const wrong = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect({ args, status: wrong.status, stdout: wrong.stdout }).toEqual({ args, status: 2, stdout: '' });
    }
    expect(spawnSync(process.execPath, [SCRIPT, '-h'], { encoding: 'utf8', timeout: 20_000 }).status).toBe(0);
  });
});
