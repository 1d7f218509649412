// Where the private-chat command's tokens come from: the wallet first, a purchase only when it runs dry.
import {
  type IssuerKey,
  MAX_TOKENS_PER_CALL,
  type PrivateChatClient,
  TokenWallet,
  type WalletSlot,
} from '@app/privacy/client';
import { type ChatOptions, NO_KEY, TOKEN_BATCH, UsageError } from './private-chat-options';

export const TIMING_WARNING = (count: number) =>
  `bought ${count} tokens now; spending one right away lets the api link this purchase to this chat by its timing — next time, tokens bought earlier are spent`;

export class TokenSupply {
  private issuer?: IssuerKey;
  readonly wallet: TokenWallet;

  constructor(
    private readonly client: PrivateChatClient,
    private readonly options: Pick<ChatOptions, 'api' | 'key' | 'keySource' | 'tokensFile'>,
    private readonly say: (line: string) => void,
  ) {
    this.wallet = new TokenWallet(options.tokensFile);
  }

  /** The wallet's slot for this api and the issuer's current key: tokens of an older key are not offered. */
  async slot(): Promise<WalletSlot> {
    this.issuer ??= await this.client.issuerKey();
    return { apiUrl: this.options.api, keyId: this.issuer.keyId };
  }

  /** Buys `count` tokens into the wallet (in the issuer's batches); returns how many it then holds. */
  async buy(count: number): Promise<number> {
    if (!this.options.key) throw new UsageError(NO_KEY);
    const slot = await this.slot();
    let held = this.wallet.count(slot);
    for (let left = count; left > 0; left -= MAX_TOKENS_PER_CALL) {
      const tokens = await this.client.obtainTokens(
        this.options.key,
        Math.min(left, MAX_TOKENS_PER_CALL),
        this.issuer,
      );
      held = this.wallet.add(slot, tokens);
    }
    this.say(`tokens bought with the key from ${this.options.keySource}`);
    return held;
  }

  /** A token already out of the wallet file: whatever happens next, it is never offered again. */
  async take(): Promise<Uint8Array> {
    const slot = await this.slot();
    const held = this.wallet.take(slot);
    if (held) return held;
    await this.buy(TOKEN_BATCH);
    this.say(TIMING_WARNING(TOKEN_BATCH));
    const bought = this.wallet.take(slot);
    if (!bought) throw new Error(`The token wallet ${this.wallet.file} lost the tokens just bought.`);
    return bought;
  }
}
