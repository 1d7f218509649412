import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { getAddress, isHexString, Wallet } from 'ethers';
import {
  DEV_ATTESTATION_DOMAIN,
  DEV_ATTESTATION_FORMAT,
  DEV_ATTESTATION_TYPES,
  DEV_ATTESTATION_WARNING,
  type DevAttestationDocument,
  devAttestationTypedValue,
} from './dev-attestation.format';

const KEY_FILE_FORMAT = 'twinproof-dev-ca-key/1';

interface KeyFile {
  format: typeof KEY_FILE_FORMAT;
  warning: string;
  address: string;
  privateKey: string;
  createdAt: string;
}

export interface DevAttestationRequest {
  nodeAddress: string;
  /** 0x-hex bytes32; see devMeasurement. */
  measurement: string;
  validForMs: number;
  /** Defaults to the current time; truncated to whole seconds. */
  issuedAt?: Date;
}

/** A secp256k1 key standing in for a TEE where there is none; every document it issues says so in a signed field. */
export class DevAttestationAuthority {
  private constructor(private readonly wallet: Wallet) {}

  get address(): string {
    return this.wallet.address;
  }

  static fromPrivateKey(privateKey: string): DevAttestationAuthority {
    return new DevAttestationAuthority(new Wallet(privateKey));
  }

  static random(): DevAttestationAuthority {
    return DevAttestationAuthority.fromPrivateKey(`0x${randomBytes(32).toString('hex')}`);
  }

  /** Loads the CA key at `filePath`, or creates it there (mode 0600, parent folders 0700). */
  static async loadOrCreate(filePath: string): Promise<DevAttestationAuthority> {
    const existing = await DevAttestationAuthority.load(filePath);
    if (existing) return existing;
    const authority = DevAttestationAuthority.random();
    const keyFile: KeyFile = {
      format: KEY_FILE_FORMAT,
      warning:
        'Development attestation CA key: anyone holding it can attest any node. Never use in production.',
      address: authority.address,
      privateKey: authority.wallet.privateKey,
      createdAt: new Date().toISOString(),
    };
    await mkdir(dirname(filePath), { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a key another process created meanwhile; its key wins and is loaded below.
      await writeFile(filePath, `${JSON.stringify(keyFile, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return authority;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const winner = await DevAttestationAuthority.load(filePath);
      if (!winner) throw error;
      return winner;
    }
  }

  private static async load(filePath: string): Promise<DevAttestationAuthority | null> {
    let text: string;
    try {
      text = await readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const keyFile = JSON.parse(text) as Partial<KeyFile>;
    if (keyFile.format !== KEY_FILE_FORMAT || typeof keyFile.privateKey !== 'string') {
      throw new Error(`${filePath} is not a ${KEY_FILE_FORMAT} file`);
    }
    const authority = DevAttestationAuthority.fromPrivateKey(keyFile.privateKey);
    if (keyFile.address !== undefined && getAddress(keyFile.address) !== authority.address) {
      throw new Error(`${filePath}: address does not match its private key`);
    }
    return authority;
  }

  async issue(request: DevAttestationRequest): Promise<string> {
    if (!isHexString(request.measurement, 32)) throw new Error('measurement must be 0x-hex bytes32');
    if (!Number.isSafeInteger(request.validForMs) || request.validForMs <= 0) {
      throw new Error('validForMs must be a positive integer');
    }
    const issuedSeconds = Math.floor((request.issuedAt ?? new Date()).getTime() / 1000);
    const unsigned: Omit<DevAttestationDocument, 'signature'> = {
      format: DEV_ATTESTATION_FORMAT,
      warning: DEV_ATTESTATION_WARNING,
      nodeAddress: getAddress(request.nodeAddress),
      measurement: request.measurement.toLowerCase(),
      issuedAt: new Date(issuedSeconds * 1000).toISOString(),
      expiresAt: new Date(issuedSeconds * 1000 + Math.ceil(request.validForMs / 1000) * 1000).toISOString(),
      authority: this.address,
    };
    const signature = await this.wallet.signTypedData(
      DEV_ATTESTATION_DOMAIN,
      DEV_ATTESTATION_TYPES,
      devAttestationTypedValue(unsigned),
    );
    const document: DevAttestationDocument = { ...unsigned, signature };
    return JSON.stringify(document, null, 2);
  }
}
