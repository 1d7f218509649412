import { Wallet } from 'ethers';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

interface KeyFile {
  address: string;
  privateKey: string;
}

/** Created on first use and kept, so receipts signed yesterday still recover to the node registered today. */
export async function loadOrCreateKey(path: string): Promise<Wallet> {
  try {
    const stored = JSON.parse(await readFile(path, 'utf8')) as KeyFile;
    const wallet = new Wallet(stored.privateKey);
    if (wallet.address !== stored.address)
      throw new Error(`${path} holds a key that does not match its address.`);
    return wallet;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const created = Wallet.createRandom();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const body: KeyFile = { address: created.address, privateKey: created.privateKey };
  // 'wx' fails if another process created the file in between; then its key is the one to use.
  try {
    await writeFile(path, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateKey(path);
    throw error;
  }
  await chmod(path, 0o600);
  return new Wallet(created.privateKey);
}
