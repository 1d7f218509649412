import * as attestation from '@app/attestation';
import type { AuthUser } from '@app/auth';
import type { AppConfig } from '@app/config';
import { signRegistration } from '@app/node-protocol';
import type { RateLimiter } from '@app/rate-limit';
import { Wallet } from 'ethers';
import { PINNED_DATES, policyAt, sampleEvidence } from '@app/attestation/tsm-report-stand-in';
import type { AttestationPolicyProvider } from './attestation-policy';
import type { RegisterNodeDto } from './dto/register-node.dto';
import { NodeEvidenceRefusedError } from './node-evidence.error';
import { NodesService } from './nodes.service';
import type { NodesRepository } from './nodes.repository';
import type { RouterIdentity } from './router-identity';
import { HubPinRecorder } from './hub-pin-recorder';

// The real verifier unless a test replaces it: no public quote binds a key we hold, so the accepted path can only be
// reached with a stand-in verdict.
jest.mock('@app/attestation', () => {
  const actual = jest.requireActual<typeof attestation>('@app/attestation');
  return { ...actual, verifyNodeBinding: jest.fn(actual.verifyNodeBinding) };
});
const verifyNodeBinding = jest.mocked(attestation.verifyNodeBinding);

const operator = { id: 'op-1', role: 'operator' } as AuthUser;
const key = Wallet.createRandom();

async function registration(): Promise<RegisterNodeDto> {
  const url = 'http://10.0.0.5:8080';
  const issuedAt = Date.now();
  const signature = await signRegistration(key, {
    operatorUserId: operator.id,
    address: key.address,
    url,
    issuedAt,
  });
  const evidence = sampleEvidence('tdx') as RegisterNodeDto['evidence'];
  return { address: key.address, name: 'tdx', url, modelIds: ['m'], issuedAt, signature, evidence };
}

function service(now: Date, existing: Record<string, unknown> | null = null) {
  const saveOperatorNode = jest.fn((_existing: unknown, node: Record<string, unknown>) =>
    Promise.resolve({ id: 'node-1', status: 'active', ...node }),
  );
  const repository = {
    findByAddress: () => Promise.resolve(existing),
    operatorHasSuspectNode: () => Promise.resolve(false),
    saveOperatorNode,
  } as unknown as NodesRepository;
  const policy = { current: () => Promise.resolve(policyAt(now)) } as AttestationPolicyProvider;
  const nodes = new NodesService(
    {} as AppConfig,
    repository,
    { address: '0xRouter' } as RouterIdentity,
    { enforce: () => Promise.resolve() } as unknown as RateLimiter,
    policy,
    {} as HubPinRecorder,
  );
  return { nodes, saveOperatorNode };
}

describe('NodesService.register with TDX evidence', () => {
  it('refuses the public sample quote, inside its validity window, because it binds no key of ours; saves nothing', async () => {
    const { nodes, saveOperatorNode } = service(PINNED_DATES.tdx);
    const refusal = nodes.register(operator, await registration());
    await expect(refusal).rejects.toThrow(NodeEvidenceRefusedError);
    await expect(refusal).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: `The node's tdx evidence was refused: key not bound: the evidence binds no address, not ${key.address}`,
      details: { kind: 'tdx', reason: expect.stringMatching(/^key not bound/) as unknown },
    });
    expect(saveOperatorNode).not.toHaveBeenCalled();
  });

  it('stores a verified quote as sent, as tdx, with the verdict’s measurement (verdict stood in: see above)', async () => {
    verifyNodeBinding.mockResolvedValueOnce({
      kind: 'tdx',
      verified: true,
      measurement: '0xmrtd',
      boundAddress: key.address,
    });
    const { nodes, saveOperatorNode } = service(new Date());
    const dto = await registration();
    await nodes.register(operator, dto);
    expect(verifyNodeBinding).toHaveBeenLastCalledWith(dto.evidence, key.address, expect.anything());
    expect(saveOperatorNode).toHaveBeenCalledWith(
      null,
      expect.objectContaining({
        teeKind: 'tdx',
        attestationKind: 'tdx',
        attestation: dto.evidence,
        measurement: '0xmrtd',
      }),
    );
  });

  it('refuses a key registered with tdx evidence that comes back without any: no fall back to a dev attestation', async () => {
    const registered = { id: 'node-1', operatorId: operator.id, status: 'active', attestationKind: 'tdx' };
    const { nodes, saveOperatorNode } = service(new Date(), registered);
    const withoutEvidence = { ...(await registration()), evidence: undefined };
    await expect(nodes.register(operator, withoutEvidence)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { attestationKind: 'tdx' },
    });
    expect(saveOperatorNode).not.toHaveBeenCalled();
  });
});
