import type { RecipientContext, SenderContext } from '@hpke/core';
import { concat, own } from './bytes';
import { CryptoKeyPair, Suite, X25519_KEY_LENGTH } from './constants';
import { asDecryptFailure, OhttpError } from './errors';
import { chooseSuite, decodeHeader, encodeHeader, gatewaySuite, HEADER_LENGTH, requestInfo } from './header';
import { GatewayKey, KeyConfig } from './key-config';
import { SuiteParams, x25519Kem } from './suites';

export interface SenderSetup {
  context: SenderContext;
  params: SuiteParams;
  enc: Uint8Array;
  /** hdr || enc */
  header: Uint8Array;
}

export async function setupSender(
  config: KeyConfig,
  label: string,
  options: { suite?: Suite; ephemeralKeyPair?: CryptoKeyPair } = {},
): Promise<SenderSetup> {
  const { header, params } = chooseSuite(config, options.suite);
  if (config.publicKey.length !== X25519_KEY_LENGTH)
    throw new OhttpError('KEY_CONFIG_INVALID', 'bad public key');
  const hdr = encodeHeader(header);
  const recipientPublicKey = await x25519Kem().importKey('raw', own(config.publicKey).buffer, true);
  const context = await params.suite.createSenderContext({
    recipientPublicKey,
    info: requestInfo(label, hdr),
    // A key pair, not raw bytes: given bytes the library derives a new key pair from them.
    ...(options.ephemeralKeyPair ? { ekm: options.ephemeralKeyPair } : {}),
  });
  const enc = new Uint8Array(context.enc);
  return { context, params, enc, header: concat(hdr, enc) };
}

export const REQUEST_HEADER_LENGTH = HEADER_LENGTH + X25519_KEY_LENGTH;

export interface RecipientSetup {
  context: RecipientContext;
  params: SuiteParams;
  keyId: number;
  enc: Uint8Array;
}

/** `prefix` holds at least hdr || enc. Key ids must be unique among `keys` (rotation gives each key its own id). */
export async function setupRecipient(
  keys: readonly GatewayKey[],
  label: string,
  prefix: Uint8Array,
): Promise<RecipientSetup> {
  if (prefix.length < REQUEST_HEADER_LENGTH)
    throw new OhttpError('TRUNCATED', 'request shorter than its header');
  const header = decodeHeader(prefix);
  const key = keys.find((k) => k.config.keyId === header.keyId);
  if (!key) throw new OhttpError('UNKNOWN_KEY', `no gateway key with id ${header.keyId}`);
  const params = gatewaySuite(key.config, header);
  const hdr = prefix.slice(0, HEADER_LENGTH);
  const enc = prefix.slice(HEADER_LENGTH, REQUEST_HEADER_LENGTH);
  // A bad enc (e.g. a low-order point) fails here inside the library; it is the sender's fault, like a bad tag.
  const context = await asDecryptFailure(() =>
    params.suite.createRecipientContext({
      recipientKey: { privateKey: key.privateKey, publicKey: key.publicKey },
      enc: own(enc).buffer,
      info: requestInfo(label, hdr),
    }),
  );
  return { context, params, keyId: header.keyId, enc };
}
