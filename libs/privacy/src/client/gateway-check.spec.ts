import { type AttestationPolicy, DevAttestationAuthority, devMeasurement } from '@app/attestation';
import {
  gatewayKeysMessage,
  type MessageSigner,
  sha256Hex,
  signGatewayKeys,
} from '@app/privacy/gateway/key-binding';
import { encodeKeyConfigs, generateGatewayKey } from '@app/privacy/ohttp/key-config';
import { Wallet } from 'ethers';
import type { GatewayEntry } from './directory.types';
import { checkGateway } from './gateway-check';

const NOW = new Date('2031-03-01T12:00:00Z');
const HOUR = 3600_000;

describe('checkGateway: a client seals only to keys its attested node signed', () => {
  const authority = DevAttestationAuthority.random();
  const node = Wallet.createRandom();
  const policy: AttestationPolicy = {
    now: NOW,
    allowedMeasurements: null,
    devAuthorities: [authority.address],
  };
  let keyBytes: Uint8Array;
  let entry: GatewayEntry;

  async function attest(address: string): Promise<GatewayEntry['attestation']> {
    const document = await authority.issue({
      nodeAddress: address,
      measurement: devMeasurement('twinproof-node@test'),
      validForMs: 24 * HOUR,
      issuedAt: new Date(NOW.getTime() - HOUR),
    });
    return { kind: 'dev', document };
  }

  async function signedBy(signer: MessageSigner, keys: Uint8Array, expiresAt: Date) {
    const signed = await signGatewayKeys(signer, keys, expiresAt);
    return { keyConfig: signed.keyConfig, keySignature: signed.signature, keysExpireAt: signed.expiresAt };
  }

  beforeAll(async () => {
    const current = await generateGatewayKey(7);
    const previous = await generateGatewayKey(6);
    keyBytes = encodeKeyConfigs([current.config, previous.config]);
    entry = {
      nodeId: 'node-1',
      nodeAddress: node.address,
      operatorId: 'operator-a',
      gatewayUrl: '/v1/privacy/ohttp',
      attestation: await attest(node.address),
      ...(await signedBy(node, keyBytes, new Date(NOW.getTime() + HOUR))),
    };
  });

  it('accepts a key configuration the attested node signed, sealing to its current key', async () => {
    const check = await checkGateway(entry, policy, NOW);

    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.gateway).toMatchObject({
      nodeId: 'node-1',
      nodeAddress: node.address,
      operatorId: 'operator-a',
      keysExpireAt: new Date(NOW.getTime() + HOUR),
      attestation: { kind: 'dev' },
    });
    expect(check.gateway.keyConfig.keyId).toBe(7);
  });

  it('refuses a key configuration changed after signing (one byte of the public key)', async () => {
    const tampered = Buffer.from(keyBytes);
    tampered[6] ^= 0x01;
    const check = await checkGateway({ ...entry, keyConfig: tampered.toString('base64') }, policy, NOW);

    expect(check).toEqual({
      ok: false,
      refused: { nodeId: 'node-1', reason: expect.stringMatching(/not by the attested node/) },
    });
  });

  it("refuses keys signed by another wallet (the relay's or the api's own key)", async () => {
    const other = Wallet.createRandom();
    // The same statement about the node, signed by someone else.
    const keySignature = await other.signMessage(
      gatewayKeysMessage({
        nodeAddress: node.address,
        keyConfigSha256: sha256Hex(keyBytes),
        expiresAt: entry.keysExpireAt,
      }),
    );
    const check = await checkGateway({ ...entry, keySignature }, policy, NOW);

    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.refused.reason).toContain(`signed by ${other.address}`);
  });

  it('refuses an expired key configuration', async () => {
    const check = await checkGateway(
      { ...entry, ...(await signedBy(node, keyBytes, new Date(NOW.getTime() - 1000))) },
      policy,
      NOW,
    );

    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.refused.reason).toMatch(/expired/);
  });

  it('refuses an attestation that binds another address, even with keys that address signed', async () => {
    const other = Wallet.createRandom();
    const check = await checkGateway(
      {
        ...entry,
        attestation: await attest(other.address),
        ...(await signedBy(node, keyBytes, new Date(NOW.getTime() + HOUR))),
      },
      policy,
      NOW,
    );

    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.refused.reason).toMatch(/key not bound/);
  });

  it('refuses a dev attestation from an authority the policy does not trust', async () => {
    const check = await checkGateway(entry, { ...policy, devAuthorities: [] }, NOW);

    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.refused.reason).toMatch(/untrusted dev authority/);
  });

  it('refuses a malformed entry with a reason instead of throwing', async () => {
    const check = await checkGateway({ ...entry, keyConfig: 'not base64!' }, policy, NOW);

    expect(check).toEqual({ ok: false, refused: { nodeId: 'node-1', reason: expect.any(String) } });
  });
});
