import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppConfig } from '@app/config';
import { issuerSpki, tokenKeyId } from './token';

export interface IssuerKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 9578 §6.5 SPKI (RSASSA-PSS, SHA-384): the directory's token-key. */
  spki: Buffer;
  tokenKeyId: Buffer;
  truncatedTokenKeyId: number;
}

const MODULUS_BITS = 2048;

/**
 * The Privacy Pass issuer key: read once at start from PKCS#8 PEM at AppConfig.privacy.issuerKeyFile, created there
 * (mode 0600) when absent. Creation writes a temporary file and hard-links it into place, which fails rather than
 * replaces when another process got there first; the loser then reads the winner's key, so every instance sharing
 * the file signs with one key.
 */
@Injectable()
export class IssuerKeyStore implements OnModuleInit {
  private readonly logger = new Logger(IssuerKeyStore.name);
  private loaded?: IssuerKey;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.load();
  }

  get key(): IssuerKey {
    if (!this.loaded) throw new Error('IssuerKeyStore used before the module was initialised');
    return this.loaded;
  }

  async load(): Promise<IssuerKey> {
    if (this.loaded) return this.loaded;
    const file = this.config.privacy.issuerKeyFile;
    const pem = (await readIfPresent(file)) ?? (await this.create(file));
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077)
      this.logger.warn(`Issuer key file ${file} is readable by others (mode ${mode.toString(8)})`);
    const privateKey = createPrivateKey(pem);
    if (
      privateKey.asymmetricKeyType !== 'rsa' ||
      privateKey.asymmetricKeyDetails?.modulusLength !== MODULUS_BITS
    )
      throw new Error(`${file} must hold an RSA-${MODULUS_BITS} private key (Privacy Pass token type 2)`);
    const publicKey = createPublicKey(privateKey);
    const spki = issuerSpki(publicKey);
    const keyId = tokenKeyId(spki);
    this.loaded = {
      privateKey,
      publicKey,
      spki,
      tokenKeyId: keyId,
      truncatedTokenKeyId: keyId[keyId.length - 1],
    };
    this.logger.log(`Privacy Pass issuer key ${keyId.toString('hex').slice(0, 16)}… loaded from ${file}`);
    return this.loaded;
  }

  private async create(file: string): Promise<string> {
    await mkdir(dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: MODULUS_BITS });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
      this.logger.log(`Created a Privacy Pass issuer key at ${file}`);
      return pem;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readFile(file, 'utf8');
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
