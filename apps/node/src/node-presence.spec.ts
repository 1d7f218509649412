import { Wallet } from 'ethers';
import { verifyHeartbeat, verifyRegistration } from '@app/node-protocol';
import type { NodeHeartbeatRequest, NodeRegistrationRequest } from '@app/node-protocol';
import { ApiCallError, type ApiClient } from './api.client';
import { NodeDrain } from './node-drain';
import type { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NodePresence, RegistrationRefusedError } from './node-presence';

const wallet = Wallet.createRandom();
const options = { name: 'box', modelIds: ['embedded'], heartbeatMs: 60_000, region: 'eu' } as NodeOptions;

function setUp(api: Partial<Record<keyof ApiClient, jest.Mock>>): {
  presence: NodePresence;
  identity: NodeIdentity;
  drain: NodeDrain;
} {
  const identity = { wallet, registration: undefined, revoked: false } as unknown as NodeIdentity;
  identity.register = (registration) => Object.assign(identity, { registration });
  const client = {
    me: jest.fn().mockResolvedValue({ id: 'op-1', handle: 'op', role: 'operator' }),
    ...api,
  } as unknown as ApiClient;
  const drain = new NodeDrain();
  return { presence: new NodePresence(options, client, identity, drain), identity, drain };
}

describe('NodePresence', () => {
  afterEach(() => jest.useRealTimers());

  it('registers with a proof by the node key for its operator, and learns its id and the router key', async () => {
    const register = jest.fn(async (body: NodeRegistrationRequest) => {
      expect(verifyRegistration({ ...body, operatorUserId: 'op-1' })).toEqual({ ok: true });
      return { id: 'node-1', address: body.address, status: 'active', attestation: {}, routerAddress: '0xR' };
    });
    const { presence, identity } = setUp({ register });
    await presence.start('http://10.0.0.5:8080');
    presence.stop();
    expect(register).toHaveBeenCalledWith(
      expect.objectContaining({
        url: 'http://10.0.0.5:8080',
        modelIds: ['embedded'],
        region: 'eu',
        name: 'box',
      }),
    );
    expect(identity.registration).toEqual({ nodeId: 'node-1', routerAddress: '0xR' });
  });

  it('keeps trying while the api is unreachable or failing, and stops for an answer no retry changes', async () => {
    const register = jest
      .fn()
      .mockRejectedValueOnce(new ApiCallError(0, 'UNREACHABLE', 'down'))
      .mockRejectedValueOnce(new ApiCallError(503, 'UNAVAILABLE', 'later'))
      .mockResolvedValue({ id: 'node-1', address: wallet.address, status: 'active', routerAddress: '0xR' });
    const { presence } = setUp({ register });
    await presence.start('http://n');
    presence.stop();
    expect(register).toHaveBeenCalledTimes(3);

    const refused = setUp({
      register: jest.fn().mockRejectedValue(new ApiCallError(409, 'CONFLICT', 'taken')),
    });
    await expect(refused.presence.start('http://n')).rejects.toThrow(RegistrationRefusedError);
  }, 10_000);

  it('heartbeats signed by the node key with its drain state, and notes a new router key and a revocation', async () => {
    const beats: NodeHeartbeatRequest[] = [];
    const heartbeat = jest.fn(async (_id: string, body: NodeHeartbeatRequest) => {
      beats.push(body);
      return { status: 'draining' };
    });
    const { presence, identity, drain } = setUp({ heartbeat });
    identity.register({ nodeId: 'node-1', routerAddress: '0xR' });
    drain.track(new AbortController());
    void drain.drain(60_000);
    await presence.beat();
    expect(beats[0]).toMatchObject({ status: 'draining', outstanding: 1 });
    expect(verifyHeartbeat({ ...beats[0], nodeId: 'node-1' }, wallet.address)).toEqual({ ok: true });

    const rotated = Wallet.createRandom().address;
    heartbeat.mockResolvedValueOnce({ status: 'active', routerAddress: rotated } as never);
    await presence.beat();
    expect(identity.registration?.routerAddress).toBe(rotated);

    heartbeat.mockRejectedValueOnce(new ApiCallError(403, 'FORBIDDEN', 'revoked'));
    await presence.beat();
    expect(identity.revoked).toBe(true);
  });

  it('registers again when the api has forgotten the node', async () => {
    const register = jest
      .fn()
      .mockResolvedValue({ id: 'node-2', address: wallet.address, status: 'active', routerAddress: '0xR' });
    const heartbeat = jest.fn().mockRejectedValue(new ApiCallError(404, 'NOT_FOUND', 'unknown'));
    const { presence, identity } = setUp({ register, heartbeat });
    identity.register({ nodeId: 'node-1', routerAddress: '0xR' });
    await presence.beat();
    expect(identity.registration?.nodeId).toBe('node-2');
  });
});
