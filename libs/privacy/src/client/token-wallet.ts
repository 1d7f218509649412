import { decodeToken } from '@app/privacy/tokens/token';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Which issuer's tokens: a token is only worth anything at the api and under the key that signed it. */
export interface WalletSlot {
  apiUrl: string;
  /** The issuer's token_key_id, hex (IssuerKey.keyId). */
  keyId: string;
}

interface WalletFile {
  version: 1;
  /** `${apiUrl} ${keyId}` → base64url tokens. */
  slots: Record<string, string[]>;
}

/**
 * Unspent Privacy Pass tokens kept between runs, so a chat spends tokens bought earlier: a token bought and spent at
 * once lets the api link the purchase (an account) to the private request by its timing. The file is the user's
 * bearer money: mode 0600, replaced whole (temp file + rename) so a crash leaves the old or the new file, never half.
 */
export class TokenWallet {
  constructor(readonly file: string) {}

  /** The usable tokens for this api and key (a token of another key id, even filed here, is not counted). */
  count(slot: WalletSlot): number {
    return (this.read().slots[slotName(slot)] ?? []).filter((token) => usable(token, slot)).length;
  }

  add(slot: WalletSlot, tokens: Uint8Array[]): number {
    const wallet = this.read();
    const name = slotName(slot);
    wallet.slots[name] = [
      ...(wallet.slots[name] ?? []),
      ...tokens.map((token) => Buffer.from(token).toString('base64url')),
    ];
    this.write(wallet);
    return wallet.slots[name].filter((token) => usable(token, slot)).length;
  }

  /**
   * One token, already removed from the file when it is returned: sent after a crash or not at all, a token must
   * never be offered twice (a second spend is refused, and a refused spend tells the api the two were one user's).
   * Tokens of another key id are dropped on the way: the issuer no longer accepts them.
   */
  take(slot: WalletSlot): Uint8Array | null {
    const wallet = this.read();
    const name = slotName(slot);
    const held = wallet.slots[name] ?? [];
    const index = held.findIndex((token) => usable(token, slot));
    if (index < 0) {
      if (held.length) {
        delete wallet.slots[name];
        this.write(wallet);
      }
      return null;
    }
    const token = held[index];
    wallet.slots[name] = held.slice(index + 1);
    if (wallet.slots[name].length === 0) delete wallet.slots[name];
    this.write(wallet);
    return new Uint8Array(Buffer.from(token, 'base64url'));
  }

  private read(): WalletFile {
    if (!existsSync(this.file)) return { version: 1, slots: {} };
    let parsed: Partial<WalletFile>;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<WalletFile>;
    } catch (error) {
      throw new Error(
        `The token wallet ${this.file} is not readable JSON (${error instanceof Error ? error.message : String(error)}); move it away to start a new one.`,
      );
    }
    return { version: 1, slots: parsed.slots && typeof parsed.slots === 'object' ? parsed.slots : {} };
  }

  private write(wallet: WalletFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(wallet)}\n`, { mode: 0o600, flag: 'wx' });
      // The umask cannot widen 0600, but a file system that ignores the mode on create is made to honour it.
      chmodSync(temp, 0o600);
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }
}

function slotName(slot: WalletSlot): string {
  return `${slot.apiUrl.replace(/\/+$/, '')} ${slot.keyId.toLowerCase()}`;
}

function usable(token: string, slot: WalletSlot): boolean {
  try {
    const decoded = decodeToken(new Uint8Array(Buffer.from(token, 'base64url')));
    return Buffer.from(decoded.tokenKeyId).toString('hex') === slot.keyId.toLowerCase();
  } catch {
    return false;
  }
}
