import { randomBytes } from 'node:crypto';
import { concat, own } from './bytes';
import { CryptoKeyPair, LABEL, Suite } from './constants';
import { asDecryptFailure, OhttpError } from './errors';
import { GatewayKey, KeyConfig } from './key-config';
import { aeadOpen, aeadSeal, deriveResponseKeys, responseNonceLength } from './response-crypto';
import { REQUEST_HEADER_LENGTH, setupRecipient, setupSender } from './setup';

export interface ClientResponseOpener {
  open(encapsulatedResponse: Uint8Array): Promise<Uint8Array>;
}

export interface GatewayResponseSealer {
  /** `nonce` replays a known response nonce (tests: the RFC vector); otherwise it is random. */
  seal(response: Uint8Array, options?: { nonce?: Uint8Array }): Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

/** RFC 9458 §4.3 (client side). */
export async function encapsulateRequest(
  config: KeyConfig,
  request: Uint8Array,
  options: { suite?: Suite; ephemeralKeyPair?: CryptoKeyPair } = {},
): Promise<{ encapsulated: Uint8Array; response: ClientResponseOpener }> {
  const sender = await setupSender(config, LABEL.request, options);
  const ct = new Uint8Array(await sender.context.seal(own(request), EMPTY));
  const { context, params, enc } = sender;
  const nonceLength = responseNonceLength(params);
  return {
    encapsulated: concat(sender.header, ct),
    response: {
      async open(encapsulatedResponse) {
        if (encapsulatedResponse.length < nonceLength + 16) {
          throw new OhttpError('TRUNCATED', 'response shorter than its nonce and tag');
        }
        const nonce = encapsulatedResponse.subarray(0, nonceLength);
        const keys = await deriveResponseKeys(context, params, LABEL.response, enc, nonce);
        return aeadOpen(keys, keys.nonce, EMPTY, encapsulatedResponse.subarray(nonceLength));
      },
    },
  };
}

/** RFC 9458 §4.3 (gateway side) and the sealer for its §4.4 response. */
export async function decapsulateRequest(
  keys: readonly GatewayKey[],
  encapsulated: Uint8Array,
): Promise<{ request: Uint8Array; keyId: number; enc: Uint8Array; response: GatewayResponseSealer }> {
  const { context, params, keyId, enc } = await setupRecipient(keys, LABEL.request, encapsulated);
  const ct = own(encapsulated.subarray(REQUEST_HEADER_LENGTH));
  const request = new Uint8Array(await asDecryptFailure(() => context.open(ct, EMPTY)));
  const nonceLength = responseNonceLength(params);
  return {
    request,
    keyId,
    enc,
    response: {
      async seal(response, options = {}) {
        const nonce = options.nonce ?? new Uint8Array(randomBytes(nonceLength));
        if (nonce.length !== nonceLength) throw new RangeError(`response nonce must be ${nonceLength} bytes`);
        const derived = await deriveResponseKeys(context, params, LABEL.response, enc, nonce);
        return concat(nonce, aeadSeal(derived, derived.nonce, EMPTY, response));
      },
    },
  };
}
