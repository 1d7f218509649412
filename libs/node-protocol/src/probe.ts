import { randomBytes } from 'node:crypto';
import { getAddress, isAddress, verifyMessage } from 'ethers';
import { sameAddress, type MessageSigner, type ProtocolCheck } from './messages';

/** Where the router probes a node: POST `${url}/v1/probe` with a router credential (docs/network.md). */
export const PROBE_PATH = '/v1/probe';
/** Names the purpose, so a probe answer can never be taken for any other signed protocol message. */
export const PROBE_DOMAIN = 'twinproof node probe v1';

const CHALLENGE = /^[0-9a-f]{64}$/;

function signedBy(message: string, signature: string, address: string): boolean {
  try {
    return sameAddress(verifyMessage(message, signature), address);
  } catch {
    return false;
  }
}

export interface ProbeRequest {
  /** 32 random bytes, hex: a fresh one per probe, so an answer cannot be recorded once and replayed. */
  challenge: string;
  nodeId: string;
}

export interface ProbeAnswer {
  address: string;
  signature: string;
}

export function newProbeRequest(nodeId: string): ProbeRequest {
  return { challenge: randomBytes(32).toString('hex'), nodeId };
}

/** The request body as a node reads it, or null when it is not one. */
export function parseProbeRequest(body: unknown): ProbeRequest | null {
  if (typeof body !== 'object' || body === null) return null;
  const { challenge, nodeId } = body as Record<string, unknown>;
  if (typeof challenge !== 'string' || !CHALLENGE.test(challenge)) return null;
  if (typeof nodeId !== 'string' || nodeId.length === 0 || nodeId.length > 100) return null;
  return { challenge, nodeId };
}

/** The address is checksummed, so the node and the router build the same text whatever case each holds. */
export function probeMessage(challenge: string, nodeId: string, address: string): string {
  return `${PROBE_DOMAIN}\n${nodeId}\n${getAddress(address)}\n${challenge}`;
}

export async function signProbeAnswer(
  node: MessageSigner & { address: string },
  probe: ProbeRequest,
): Promise<ProbeAnswer> {
  return {
    address: node.address,
    signature: await node.signMessage(probeMessage(probe.challenge, probe.nodeId, node.address)),
  };
}

/** `answer` is what the node sent back, unchecked: it passes only when the registered key signed this probe. */
export function verifyProbeAnswer(
  answer: unknown,
  expected: ProbeRequest & { address: string },
): ProtocolCheck {
  const { address, signature } = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<
    string,
    unknown
  >;
  if (typeof address !== 'string' || typeof signature !== 'string' || !isAddress(address))
    return { ok: false, problem: 'missing', reason: 'The probe answer has no address and signature.' };
  if (!sameAddress(address, expected.address))
    return {
      ok: false,
      problem: 'signature',
      reason: `The probe was answered by ${address}, not the registered ${expected.address}.`,
    };
  const message = probeMessage(expected.challenge, expected.nodeId, expected.address);
  if (!signedBy(message, signature, expected.address))
    return { ok: false, problem: 'signature', reason: 'The probe answer is not signed by the node key.' };
  return { ok: true };
}
