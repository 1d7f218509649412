import { Wallet } from 'ethers';
import {
  heartbeatMessage,
  routerCredential,
  signHeartbeat,
  signRegistration,
  verifyHeartbeat,
  verifyRegistration,
  verifyRouterCredential,
  type HeartbeatFields,
  type RegistrationFields,
} from './messages';

const node = Wallet.createRandom();
const router = Wallet.createRandom();
const NOW = 1_800_000_000_000;

describe('registration proof', () => {
  const fields: RegistrationFields = {
    operatorUserId: 'op-1',
    address: node.address,
    url: 'http://10.0.0.5:8080',
    issuedAt: NOW - 60_000,
  };

  it('verifies a registration signed by the node key', async () => {
    const signature = await signRegistration(node, fields);
    expect(verifyRegistration({ ...fields, signature }, NOW)).toEqual({ ok: true });
  });

  it('rejects another key, a stale time and a tampered field', async () => {
    const signature = await signRegistration(node, fields);
    const byOther = await signRegistration(Wallet.createRandom(), fields);
    expect(verifyRegistration({ ...fields, signature: byOther }, NOW)).toMatchObject({
      ok: false,
      problem: 'signature',
    });
    expect(verifyRegistration({ ...fields, signature }, NOW + 5 * 60_000)).toMatchObject({
      ok: false,
      problem: 'stale',
      reason: expect.stringMatching(/fresh/),
    });
    expect(verifyRegistration({ ...fields, signature, url: 'http://evil:1' }, NOW)).toMatchObject({
      ok: false,
    });
    expect(verifyRegistration({ ...fields, signature, operatorUserId: 'op-2' }, NOW)).toMatchObject({
      ok: false,
    });
    expect(verifyRegistration({ ...fields, signature: '0xnot-a-signature' }, NOW)).toMatchObject({
      ok: false,
    });
  });
});

describe('heartbeat', () => {
  const fields: HeartbeatFields = { nodeId: 'n-1', at: NOW, status: 'draining', outstanding: 2 };

  it('is the documented message', () => {
    expect(heartbeatMessage(fields)).toBe('twinproof-node-heartbeat\nn-1\n1800000000000\ndraining\n2');
  });

  it('verifies against the node address; rejects another key, a stale time and a tampered field', async () => {
    const signature = await signHeartbeat(node, fields);
    expect(verifyHeartbeat({ ...fields, signature }, node.address, NOW + 59_000)).toEqual({ ok: true });
    expect(verifyHeartbeat({ ...fields, signature }, router.address, NOW)).toMatchObject({ ok: false });
    expect(verifyHeartbeat({ ...fields, signature }, node.address, NOW + 61_000)).toMatchObject({
      ok: false,
    });
    expect(verifyHeartbeat({ ...fields, signature, status: 'active' }, node.address, NOW)).toMatchObject({
      ok: false,
    });
    expect(verifyHeartbeat({ ...fields, signature, outstanding: 0 }, node.address, NOW)).toMatchObject({
      ok: false,
    });
  });

  it('covers the hub pins when present, in any order, and refuses pins added, dropped or slipped in', async () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const signature = await signHeartbeat(node, { ...fields, pins: [b, a] });
    expect(verifyHeartbeat({ ...fields, pins: [a, b], signature }, node.address, NOW)).toEqual({ ok: true });
    for (const pins of [[a], [a, b, 'c'.repeat(64)], [], undefined])
      expect(verifyHeartbeat({ ...fields, pins, signature }, node.address, NOW)).toMatchObject({ ok: false });
    // A beat signed without pins cannot carry any.
    const plain = await signHeartbeat(node, fields);
    expect(verifyHeartbeat({ ...fields, pins: [a], signature: plain }, node.address, NOW)).toMatchObject({
      ok: false,
    });
  });
});

describe('router credential', () => {
  const body = JSON.stringify({ model: 'embedded', twinproof: { inferenceId: 'i-1' } });
  const expected = { nodeAddress: node.address, routerAddress: router.address, rawBody: body };

  it('verifies a credential by the router key for this node and body', async () => {
    const header = await routerCredential(router, node.address, body, NOW);
    expect(header).toMatch(/^1800000000000\.0x[0-9a-f]+$/);
    expect(verifyRouterCredential(header, expected, NOW + 30_000)).toEqual({ ok: true });
    expect(verifyRouterCredential(header, { ...expected, rawBody: Buffer.from(body) }, NOW)).toEqual({
      ok: true,
    });
  });

  it('rejects no header, another key, a stale time, another body and another node', async () => {
    const header = await routerCredential(router, node.address, body, NOW);
    expect(verifyRouterCredential(undefined, expected, NOW)).toMatchObject({ ok: false, problem: 'missing' });
    expect(verifyRouterCredential('garbage', expected, NOW)).toMatchObject({ ok: false });
    const byOther = await routerCredential(Wallet.createRandom(), node.address, body, NOW);
    expect(verifyRouterCredential(byOther, expected, NOW)).toMatchObject({ ok: false });
    expect(verifyRouterCredential(header, expected, NOW + 61_000)).toMatchObject({
      ok: false,
      problem: 'stale',
    });
    expect(verifyRouterCredential(header, { ...expected, rawBody: `${body} ` }, NOW)).toMatchObject({
      ok: false,
    });
    const otherNode = Wallet.createRandom().address;
    expect(verifyRouterCredential(header, { ...expected, nodeAddress: otherNode }, NOW)).toMatchObject({
      ok: false,
    });
  });
});
