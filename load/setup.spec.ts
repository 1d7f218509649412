import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './args';
import { prepareUsers } from './setup';

describe('prepareUsers', () => {
  const keysFile = join(mkdtempSync(join(tmpdir(), 'load-setup-')), 'keys.json');
  const users = Array.from({ length: 5 }, (_, i) => ({ handle: `u${i}`, apiKey: `k${i}` }));
  writeFileSync(keysFile, JSON.stringify({ users }));
  // An address nothing listens on: a test that signed anyone up would fail.
  const options = parseArgs(['--url', 'http://127.0.0.1:9', '--keys-file', keysFile]);

  it('takes the accounts of the keys file, first first', async () => {
    expect(await prepareUsers(options, 3, 'tag')).toEqual({ users: users.slice(0, 3), signedUp: 0 });
  });

  it("skips the accounts a sweep's earlier steps used (their send limit is spent)", async () => {
    expect(await prepareUsers({ ...options, userOffset: 2 }, 3, 'tag')).toEqual({
      users: users.slice(2, 5),
      signedUp: 0,
    });
  });
});
