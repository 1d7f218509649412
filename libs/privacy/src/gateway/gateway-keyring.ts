import { encodeKeyConfigs, generateGatewayKey, type GatewayKey } from '../ohttp';
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
}

/**
 * A gateway's OHTTP keys (docs/privacy.md). They are made in this process and never leave it: not written to disk, not
 * sent anywhere. A restart makes new ones, which also voids every request sealed to the old ones, replays included.
 * The key it replaced stays accepted for the grace period, so clients that fetched the configuration just before a
 * rotation still get through.
 */
export class GatewayKeyring {
  private current?: HeldKey;
  private previous?: HeldKey;
  private signed?: SignedGatewayKeys;
  private nextKeyId = Math.floor(Math.random() * 256);
  private readonly now: () => number;

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
    const now = this.now();
    const key = await generateGatewayKey(this.nextKeyId);
    this.nextKeyId = (this.nextKeyId + 1) % 256;
    if (this.current) this.previous = { ...this.current, retiresAt: now + this.options.graceMs };
    const rotatesAt = now + this.options.rotateMs;
    this.current = { key, rotatesAt, retiresAt: rotatesAt + this.options.graceMs };
    // Published with the previous key only while it is still accepted; clients seal to the first one.
    const configs = [key.config, ...(this.previous ? [this.previous.key.config] : [])];
    // The signature holds until the current key retires: a client that trusted it until then is still served.
    this.signed = await signGatewayKeys(
      this.signer,
      encodeKeyConfigs(configs),
      new Date(this.current.retiresAt),
    );
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

  private rotating?: Promise<void>;

  private async rotateIfDue(): Promise<void> {
    if (this.current && this.current.rotatesAt > this.now()) return;
    // Concurrent callers share one rotation instead of each making a key.
    this.rotating ??= this.rotate().finally(() => (this.rotating = undefined));
    await this.rotating;
  }
}
