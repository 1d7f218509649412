import { createHmac } from 'node:crypto';
import { encodeKeyConfigs, generateGatewayKey, importGatewayKey, type GatewayKey } from '../ohttp';
import { type MessageSigner, signGatewayKeys, type SignedGatewayKeys } from './key-binding';

interface HeldKey {
  key: GatewayKey;
  /** When it stops being the current key. */
  rotatesAt: number;
  /** When it stops being accepted at all (rotatesAt + grace). */
  retiresAt: number;
}

export interface KeyringOptions {
  rotateMs: number;
  graceMs: number;
  now?: () => number;
  /**
   * Derive each period's key from this secret (the node key) instead of drawing it at random, so that every process
   * of one api (API_PROCESSES > 1) holds the same gateway key without sending it anywhere. Periods are then aligned
   * to multiples of rotateMs, and rotate() is not available.
   */
  deriveFrom?: Uint8Array;
}

/**
 * A gateway's OHTTP keys (docs/privacy.md). They are made in this process and never leave it: not written to disk, not
 * sent anywhere. Drawn at random (a node), a restart makes new ones, which also voids every request sealed to the old
 * ones, replays included; derived (the api's in-process node), every process of the api makes the same ones. The key
 * a rotation replaced stays accepted for the grace period, so clients that fetched the configuration just before a
 * rotation still get through.
 */
export class GatewayKeyring {
  private current?: HeldKey;
  private previous?: HeldKey;
  private signed?: SignedGatewayKeys;
  private nextKeyId = Math.floor(Math.random() * 256);
  private readonly now: () => number;
  private rotating?: Promise<void>;

  constructor(
    private readonly signer: MessageSigner,
    private readonly options: KeyringOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The keys a request may be sealed to now; rotates first when the current key is due. */
  async keys(): Promise<GatewayKey[]> {
    await this.rotateIfDue();
    const now = this.now();
    const keys = [this.current!.key];
    if (this.previous && this.previous.retiresAt > now) keys.push(this.previous.key);
    return keys;
  }

  /** The application/ohttp-keys body, signed by the node's attested key, for clients to seal to. */
  async published(): Promise<SignedGatewayKeys> {
    await this.rotateIfDue();
    return this.signed!;
  }

  /** Replaces the current key at once (a replay cache that filled up, or an operator's wish). */
  async rotate(): Promise<void> {
    if (this.options.deriveFrom) throw new Error('Derived gateway keys rotate on their schedule only.');
    const now = this.now();
    const key = await generateGatewayKey(this.nextKeyId);
    this.nextKeyId = (this.nextKeyId + 1) % 256;
    if (this.current) this.previous = { ...this.current, retiresAt: now + this.options.graceMs };
    const rotatesAt = now + this.options.rotateMs;
    this.current = { key, rotatesAt, retiresAt: rotatesAt + this.options.graceMs };
    await this.sign();
  }

  /** Whether a key id belongs to a key still accepted (the replay cache forgets retired keys' requests). */
  accepts(keyId: number): boolean {
    const now = this.now();
    return (
      this.current?.key.config.keyId === keyId ||
      (this.previous !== undefined &&
        this.previous.retiresAt > now &&
        this.previous.key.config.keyId === keyId)
    );
  }

  private async rotateIfDue(): Promise<void> {
    if (this.current && this.current.rotatesAt > this.now()) return;
    // Concurrent callers share one rotation instead of each making a key.
    this.rotating ??= (
      this.options.deriveFrom ? this.derive(this.options.deriveFrom) : this.rotate()
    ).finally(() => (this.rotating = undefined));
    await this.rotating;
  }

  /** The keys of the current period and the one before, as every process holding `secret` derives them. */
  private async derive(secret: Uint8Array): Promise<void> {
    const { rotateMs, graceMs } = this.options;
    const period = Math.floor(this.now() / rotateMs);
    const held = async (p: number): Promise<HeldKey> => {
      const raw = createHmac('sha256', secret).update(`twinproof/ohttp-gateway-key/${p}`).digest();
      const rotatesAt = (p + 1) * rotateMs;
      return { key: await importGatewayKey(p % 256, raw), rotatesAt, retiresAt: rotatesAt + graceMs };
    };
    [this.current, this.previous] = await Promise.all([held(period), held(period - 1)]);
    await this.sign();
  }

  private async sign(): Promise<void> {
    const now = this.now();
    const current = this.current!;
    // Published with the previous key only while it is still accepted; clients seal to the first one.
    const previous = this.previous && this.previous.retiresAt > now ? [this.previous.key.config] : [];
    // The signature holds until the current key retires: a client that trusted it until then is still served.
    this.signed = await signGatewayKeys(
      this.signer,
      encodeKeyConfigs([current.key.config, ...previous]),
      new Date(current.retiresAt),
    );
  }
}
