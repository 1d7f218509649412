import type { KeyConfig } from '@app/privacy/ohttp/key-config';
import type { PrivacyDirectory, RelayEntry, VerifiedGateway } from './directory.types';
import { PrivateChatError } from './private-chat.errors';
import { chooseRoute } from './route';

const keyConfig: KeyConfig = {
  keyId: 1,
  kemId: 0x20,
  publicKey: new Uint8Array(32),
  suites: [{ kdfId: 1, aeadId: 1 }],
};

function gateway(nodeId: string, operatorId: string | null): VerifiedGateway {
  return {
    nodeId,
    nodeAddress: '0x0000000000000000000000000000000000000001',
    operatorId,
    keyConfig,
    keysExpireAt: new Date('2031-01-01T00:00:00Z'),
    attestation: { kind: 'dev', measurement: null },
  };
}

function relay(url: string, operatorId: string): RelayEntry {
  return {
    id: `relay-${operatorId}`,
    url,
    name: 'a relay',
    operator: { id: operatorId, handle: `op-${operatorId}` },
  };
}

function thrown(run: () => unknown): PrivateChatError {
  try {
    run();
  } catch (error) {
    if (error instanceof PrivateChatError) return error;
    throw error;
  }
  throw new Error('it did not throw');
}

describe('chooseRoute', () => {
  const directory: PrivacyDirectory = {
    gateways: [gateway('node-a', 'op-a'), gateway('node-b', 'op-b')],
    refused: [{ nodeId: 'node-x', reason: 'the key configuration expired at 2030-01-01T00:00:00.000Z' }],
    relays: [relay('https://relay.a.example/', 'op-a'), relay('https://relay.c.example', 'op-c')],
  };

  it('picks a gateway not run by the relay’s operator, and posts to <relay>/gateways/<nodeId>', () => {
    const route = chooseRoute(directory, { relayUrl: 'https://RELAY.a.example' });

    expect(route.gateway.nodeId).toBe('node-b');
    expect(route.relay?.operator.id).toBe('op-a');
    expect(route.endpoint).toBe('https://relay.a.example/gateways/node-b');
    expect(route.warnings).toEqual([]);
  });

  it('refuses with SAME_OPERATOR a given node whose operator runs the relay', () => {
    const error = thrown(() =>
      chooseRoute(directory, { relayUrl: 'https://relay.a.example', nodeId: 'node-a' }),
    );

    expect(error.code).toBe('SAME_OPERATOR');
    expect(error.message).toContain('op-a');
  });

  it('refuses with SAME_OPERATOR when every gateway is the relay operator’s', () => {
    const only = { ...directory, gateways: [gateway('node-a', 'op-a')] };

    expect(thrown(() => chooseRoute(only, { relayUrl: 'https://relay.a.example' })).code).toBe(
      'SAME_OPERATOR',
    );
  });

  it('allows the same operator only when asked', () => {
    const route = chooseRoute(directory, {
      relayUrl: 'https://relay.a.example',
      nodeId: 'node-a',
      allowSameOperator: true,
    });

    expect(route.endpoint).toBe('https://relay.a.example/gateways/node-a');
  });

  it('refuses a relay missing from the registry unless allowed, and then warns', () => {
    const refused = thrown(() => chooseRoute(directory, { relayUrl: 'https://relay.z.example' }));
    expect(refused.code).toBe('UNLISTED_RELAY');
    // A newcomer learns which relays exist and how a relay gets listed, not only that this one is not.
    expect(refused.message).toMatch(/Registered relays: https:\/\/relay\.a\.example/);
    expect(refused.message).toMatch(/POST \/v1\/privacy\/relays with an operator key.*--relay-id/);

    const route = chooseRoute(directory, { relayUrl: 'https://relay.z.example', allowUnlisted: true });
    expect(route.relay).toBeNull();
    expect(route.warnings.join(' ')).toMatch(/not in the registry/);
  });

  it('says why a given node was refused, and that an unknown node is not published', () => {
    const refused = thrown(() =>
      chooseRoute(directory, { relayUrl: 'https://relay.c.example', nodeId: 'node-x' }),
    );
    expect(refused.code).toBe('GATEWAY_UNVERIFIED');
    expect(refused.message).toContain('expired');

    expect(
      thrown(() => chooseRoute(directory, { relayUrl: 'https://relay.c.example', nodeId: 'nope' })).code,
    ).toBe('UNKNOWN_GATEWAY');
  });

  it('refuses with NO_GATEWAY, naming the reasons, when no gateway verified', () => {
    const error = thrown(() =>
      chooseRoute({ ...directory, gateways: [] }, { relayUrl: 'https://relay.c.example' }),
    );

    expect(error.code).toBe('NO_GATEWAY');
    expect(error.message).toContain('node-x: the key configuration expired');
  });

  it('warns when the gateway names no operator, since the check cannot be made', () => {
    const route = chooseRoute(
      { ...directory, gateways: [gateway('node-p', null)] },
      { relayUrl: 'https://relay.c.example' },
    );

    expect(route.gateway.nodeId).toBe('node-p');
    expect(route.warnings.join(' ')).toMatch(/names no operator/);
  });
});
