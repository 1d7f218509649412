import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNodeProcess } from './support/node-processes';

const SCRIPT = join(__dirname, '..', 'dist/scripts/dev-chain.js');

describe('node dist/scripts/dev-chain.js (e2e)', () => {
  beforeAll(() => buildNodeProcess(), 120_000);

  it('prints its usage for --help, and for an option it does not know, instead of starting a chain on 8545', () => {
    const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(help.status).toBe(0);
    expect(help.stderr).toContain('Usage: node dist/scripts/dev-chain.js [--port 8545]');
    expect(help.stdout).toBe('');
    const typo = spawnSync(process.execPath, [SCRIPT, '--prot', '9999'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(typo.status).toBe(2);
    expect(typo.stdout).toBe('');
  });
});
