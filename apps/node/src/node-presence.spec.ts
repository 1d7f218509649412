import { TsmReportError } from '@app/attestation';
import { collateralOf, createTsmStandIn, fixtureBytes } from '@app/attestation/tsm-report-stand-in';
import { Logger } from '@nestjs/common';
import { Wallet } from 'ethers';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { verifyHeartbeat, verifyRegistration } from '@app/node-protocol';
import type { NodeHeartbeatRequest, NodeRegistrationRequest } from '@app/node-protocol';
import { ApiCallError, type ApiClient } from './api.client';
import { NodeDrain } from './node-drain';
import { NodeEvidence } from './node-evidence';
import { NodeGateway } from './node-gateway';
import type { NodeIdentity } from './node-identity';
import type { NodeOptions } from './node-options';
import { NodePresence, RegistrationRefusedError } from './node-presence';
import { HubPins } from './hub-pins';

const wallet = Wallet.createRandom();
const options = {
  name: 'box',
  modelIds: ['embedded'],
  heartbeatMs: 60_000,
  region: 'eu',
  tee: { kind: 'dev' },
  ohttpKeys: { rotateMs: 86_400_000, graceMs: 3_600_000 },
} as NodeOptions;

function setUp(
  api: Partial<Record<keyof ApiClient, jest.Mock>>,
  nodeOptions: NodeOptions = options,
): {
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
  const evidence = new NodeEvidence(nodeOptions, identity);
  const gateway = new NodeGateway(nodeOptions, identity);
  return {
    presence: new NodePresence(
      nodeOptions,
      client,
      identity,
      drain,
      evidence,
      gateway,
      new HubPins(nodeOptions),
    ),
    identity,
    drain,
  };
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

  it('tells its operator once when the api says its liveness probe has not reached it for 3 heartbeats', async () => {
    const heartbeat = jest.fn().mockResolvedValue({ status: 'active', probed: false });
    const { presence, identity } = setUp({ heartbeat });
    identity.register({ nodeId: 'node-1', routerAddress: '0xR' });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      for (let beat = 0; beat < 2; beat++) await presence.beat();
      expect(warn).not.toHaveBeenCalled();
      for (let beat = 0; beat < 3; beat++) await presence.beat();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/liveness probe has not reached this node/);
      heartbeat.mockResolvedValue({ status: 'active', probed: true });
      await presence.beat();
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/reaches this node again/));
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
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

  describe('with --tee tdx (a stand-in TSM directory: no TDX guest here)', () => {
    const quote = fixtureBytes('tdx_quote');
    const collateral = collateralOf('tdx');
    let standInRoot: string;
    afterEach(() => rmSync(standInRoot, { recursive: true, force: true }));

    it('sends the quote its TSM made for its key, with the collateral it was given, as evidence', async () => {
      const root = (standInRoot = createTsmStandIn(wallet.address, quote).root);
      const register = jest.fn(async (body: NodeRegistrationRequest) => ({
        id: 'node-1',
        address: body.address,
        status: 'active',
        attestation: body.evidence,
        routerAddress: '0xR',
      }));
      const { presence } = setUp(
        { register },
        { ...options, tee: { kind: 'tdx', tsmRoot: root, collateral } },
      );
      await presence.start('http://10.0.0.5:8080');
      presence.stop();
      expect(register).toHaveBeenCalledWith(
        expect.objectContaining({
          evidence: { kind: 'tdx', document: quote.toString('base64'), collateral },
        }),
      );
    });

    it('stops with the TSM error, without registering, when no quote can be made', async () => {
      standInRoot = createTsmStandIn(wallet.address, quote).root;
      const root = join(standInRoot, 'missing');
      const register = jest.fn();
      const { presence } = setUp(
        { register },
        { ...options, tee: { kind: 'tdx', tsmRoot: root, collateral } },
      );
      await expect(presence.start('http://10.0.0.5:8080')).rejects.toThrow(
        new TsmReportError(
          `no TSM report interface at ${root} (not a TDX guest, or configfs not mounted: mount -t configfs none /sys/kernel/config)`,
        ),
      );
      presence.stop();
      expect(register).not.toHaveBeenCalled();
    });
  });
});
