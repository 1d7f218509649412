import { Wallet } from 'ethers';
import { heartbeatMessage } from './messages';
import {
  newProbeRequest,
  parseProbeRequest,
  probeMessage,
  signProbeAnswer,
  verifyProbeAnswer,
  type ProbeRequest,
} from './probe';

const node = Wallet.createRandom();
const other = Wallet.createRandom();

describe('liveness probe', () => {
  const probe: ProbeRequest = { challenge: 'ab'.repeat(32), nodeId: 'n-1' };
  const expected = { ...probe, address: node.address };

  it('is a domain-tagged message with the checksummed address, whatever case the caller holds', () => {
    const message = probeMessage(probe.challenge, 'n-1', node.address.toLowerCase());
    expect(message).toBe(`twinproof node probe v1\nn-1\n${node.address}\n${'ab'.repeat(32)}`);
  });

  it('verifies an answer signed by the registered key, against a lower-case registered address too', async () => {
    const answer = await signProbeAnswer(node, probe);
    expect(answer.address).toBe(node.address);
    expect(verifyProbeAnswer(answer, expected)).toEqual({ ok: true });
    expect(verifyProbeAnswer(answer, { ...expected, address: node.address.toLowerCase() })).toEqual({
      ok: true,
    });
  });

  it('rejects another key, another challenge, another node id, a claimed address and junk', async () => {
    const answer = await signProbeAnswer(node, probe);
    const byOther = await signProbeAnswer(other, probe);
    expect(verifyProbeAnswer(byOther, expected)).toMatchObject({
      ok: false,
      problem: 'signature',
      reason: expect.stringContaining(`answered by ${other.address}`) as unknown,
    });
    // Claims the registered address but signs with another key: someone else's server answering for the node.
    expect(verifyProbeAnswer({ ...byOther, address: node.address }, expected)).toMatchObject({
      ok: false,
      problem: 'signature',
    });
    expect(verifyProbeAnswer(answer, { ...expected, challenge: 'cd'.repeat(32) })).toMatchObject({
      ok: false,
    });
    expect(verifyProbeAnswer(answer, { ...expected, nodeId: 'n-2' })).toMatchObject({ ok: false });
    // A heartbeat signature is not a probe answer: the domain string keeps the two apart.
    const heartbeat = await node.signMessage(
      heartbeatMessage({ nodeId: 'n-1', at: 1, status: 'active', outstanding: 0 }),
    );
    expect(verifyProbeAnswer({ address: node.address, signature: heartbeat }, expected)).toMatchObject({
      ok: false,
    });
    for (const junk of [null, 'ok', {}, { address: 'nope', signature: '0x' }, { address: node.address }])
      expect(verifyProbeAnswer(junk, expected)).toMatchObject({ ok: false, problem: 'missing' });
    expect(verifyProbeAnswer({ ...answer, signature: '0xnot-a-signature' }, expected)).toMatchObject({
      ok: false,
    });
  });

  it('makes a fresh 32-byte challenge each time, which a node parses; a malformed body is refused', () => {
    const a = newProbeRequest('n-1');
    const b = newProbeRequest('n-1');
    expect(a.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(a.challenge).not.toBe(b.challenge);
    expect(parseProbeRequest(a)).toEqual(a);
    for (const body of [
      null,
      {},
      { challenge: 'ab', nodeId: 'n' },
      { challenge: a.challenge },
      { ...a, nodeId: '' },
    ])
      expect(parseProbeRequest(body)).toBeNull();
    expect(parseProbeRequest({ ...a, challenge: a.challenge.toUpperCase() })).toBeNull();
  });
});
