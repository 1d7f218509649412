import { encodeToken } from '@app/privacy/tokens/token';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenWallet, type WalletSlot } from './token-wallet';

const KEY_A = 'aa'.repeat(32);
const KEY_B = 'bb'.repeat(32);
const API = 'http://api.test';

/** A well-formed type-2 token under a key id (its signature is not checked by the wallet, only by the api). */
function token(keyId: string): Uint8Array {
  return encodeToken({
    tokenType: 2,
    nonce: randomBytes(32),
    challengeDigest: randomBytes(32),
    tokenKeyId: Buffer.from(keyId, 'hex'),
    authenticator: randomBytes(256),
  });
}

describe('TokenWallet', () => {
  let dir: string;
  let file: string;
  const slot: WalletSlot = { apiUrl: API, keyId: KEY_A };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-wallet-'));
    file = join(dir, 'nested', 'private-tokens.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps tokens between runs: what one wallet stores, a new one over the file gives back, in order', () => {
    const bought = [token(KEY_A), token(KEY_A)];
    expect(new TokenWallet(file).add(slot, bought)).toBe(2);

    const later = new TokenWallet(file);
    expect(later.count(slot)).toBe(2);
    expect(Buffer.from(later.take(slot)!)).toEqual(Buffer.from(bought[0]));
    expect(Buffer.from(later.take(slot)!)).toEqual(Buffer.from(bought[1]));
    expect(later.take(slot)).toBeNull();
  });

  it('writes the file readable by its owner only (0600), and leaves no temp file behind', () => {
    new TokenWallet(file).add(slot, [token(KEY_A)]);

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['private-tokens.json']);
  });

  it('removes a token from the file before handing it out, so a crash after can never offer it again', () => {
    const wallet = new TokenWallet(file);
    const [first, second] = [token(KEY_A), token(KEY_A)];
    wallet.add(slot, [first, second]);

    const taken = wallet.take(slot)!;
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain(Buffer.from(taken).toString('base64url'));
    expect(onDisk).toContain(Buffer.from(second).toString('base64url'));
    // A process that starts after the take (the first one crashed mid-send) sees only the other token.
    const afterCrash = new TokenWallet(file);
    expect(afterCrash.count(slot)).toBe(1);
    expect(Buffer.from(afterCrash.take(slot)!)).toEqual(Buffer.from(second));
  });

  it('never offers tokens of another api or another issuer key, even ones filed under this key', () => {
    const wallet = new TokenWallet(file);
    wallet.add({ apiUrl: 'http://other.test', keyId: KEY_A }, [token(KEY_A)]);
    wallet.add({ apiUrl: API, keyId: KEY_B }, [token(KEY_B)]);
    const stray = token(KEY_B);
    const good = token(KEY_A);
    wallet.add(slot, [stray, good]);

    expect(wallet.count(slot)).toBe(1);
    expect(Buffer.from(wallet.take(slot)!)).toEqual(Buffer.from(good));
    expect(wallet.take(slot)).toBeNull();
    expect(wallet.count({ apiUrl: 'http://other.test', keyId: KEY_A })).toBe(1);
    expect(wallet.count({ apiUrl: API, keyId: KEY_B })).toBe(1);
  });

  it('refuses a wallet file it cannot read, instead of starting over and losing its tokens', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    expect(() => new TokenWallet(broken).take(slot)).toThrow(/not readable JSON.*move it away/);
    expect(readFileSync(broken, 'utf8')).toBe('{not json');
  });
});
