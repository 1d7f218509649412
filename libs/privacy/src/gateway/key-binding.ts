import { createHash } from 'node:crypto';
import { getAddress, verifyMessage } from 'ethers';

/** A gateway's key configuration as its node signed it (docs/privacy.md, "Sealing to an attested node"). */
export interface SignedGatewayKeys {
  /** base64 of the application/ohttp-keys body (RFC 9458 §3.2). */
  keyConfig: string;
  /** EIP-191 signature by the node's attested key over gatewayKeysMessage(...). */
  signature: string;
  /** ISO-8601: after this the client must fetch the configuration again. */
  expiresAt: string;
}

/** What can sign: an ethers Wallet, or anything with its signMessage. */
export interface MessageSigner {
  readonly address: string;
  signMessage(message: string): Promise<string>;
}

/**
 * The text the node signs. Human-readable, so a person checking it by hand with any EIP-191 tool sees what they
 * approve; it names the node and the exact bytes (by SHA-256) of the key configuration, and when it stops holding.
 */
export function gatewayKeysMessage(fields: {
  nodeAddress: string;
  keyConfigSha256: string;
  expiresAt: string;
}): string {
  return [
    'Twinproof OHTTP gateway keys',
    `node: ${getAddress(fields.nodeAddress)}`,
    `ohttp-keys sha256: ${fields.keyConfigSha256}`,
    `expires: ${fields.expiresAt}`,
  ].join('\n');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function signGatewayKeys(
  signer: MessageSigner,
  keyConfig: Uint8Array,
  expiresAt: Date,
): Promise<SignedGatewayKeys> {
  const expires = expiresAt.toISOString();
  const message = gatewayKeysMessage({
    nodeAddress: signer.address,
    keyConfigSha256: sha256Hex(keyConfig),
    expiresAt: expires,
  });
  return {
    keyConfig: Buffer.from(keyConfig).toString('base64'),
    signature: await signer.signMessage(message),
    expiresAt: expires,
  };
}

export type KeyBindingCheck = { ok: true; keyConfig: Uint8Array } | { ok: false; reason: string };

/**
 * The client's check that a key configuration comes from `nodeAddress` (whose attestation the caller verifies
 * separately, with verifyNodeBinding): the signature recovers to it, over exactly these bytes, and has not expired.
 * Never throws on malformed input: the reason says what is wrong.
 */
export function checkGatewayKeys(nodeAddress: string, signed: SignedGatewayKeys, now: Date): KeyBindingCheck {
  const keyConfig = decodeBase64(signed.keyConfig);
  if (!keyConfig) return { ok: false, reason: 'the key configuration is not base64' };
  const expires = new Date(signed.expiresAt);
  if (Number.isNaN(expires.getTime())) return { ok: false, reason: 'the expiry is not a date' };
  if (expires.getTime() <= now.getTime())
    return { ok: false, reason: `the key configuration expired at ${signed.expiresAt}` };
  let signer: string;
  let expected: string;
  try {
    expected = getAddress(nodeAddress);
    signer = verifyMessage(
      gatewayKeysMessage({
        nodeAddress: expected,
        keyConfigSha256: sha256Hex(keyConfig),
        expiresAt: signed.expiresAt,
      }),
      signed.signature,
    );
  } catch {
    return { ok: false, reason: 'the key signature is malformed' };
  }
  if (signer !== expected)
    return {
      ok: false,
      reason: `the key configuration is signed by ${signer}, not by the attested node ${expected}`,
    };
  return { ok: true, keyConfig };
}

function decodeBase64(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
