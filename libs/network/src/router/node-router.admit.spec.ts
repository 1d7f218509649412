import { Test } from '@nestjs/testing';
import { DomainError, ErrorCode, HTTP_STATUS_BY_CODE } from '@app/common';
import { AppConfig } from '@app/config';
import type { NodeInferenceRequest } from '../inference-node';
import { BREAKER_HALF_OPEN_AFTER_MS } from './circuit-breaker';
import { NodeDirectory } from './node-directory';
import { NodeRouter, NotEnoughOperatorsError } from './node-router';
import type { NodeTarget } from './node-target';

const target = (key: string, operatorId: string | null, inProcess = false): NodeTarget => ({
  key,
  inProcess,
  operatorId,
  teeKind: 'dev',
  address: '0x0000000000000000000000000000000000000001',
  stream: () => {
    throw new Error('admit never streams');
  },
});

const request = (minOperators?: number): NodeInferenceRequest => ({
  model: { modelId: 'embedded', messages: [{ role: 'user', content: 'hi' }] },
  receipt: { inferenceId: 'i-1', conversationId: 'c-1', previousDigest: '0x00', personaVersionHash: '0x01' },
  minOperators,
});

describe('NodeRouter.admit: a persona’s minimum of independent operators', () => {
  let router: NodeRouter;
  const directory = { targets: [] as NodeTarget[], asked: [] as string[] };

  beforeEach(async () => {
    directory.targets = [];
    directory.asked = [];
    const moduleRef = await Test.createTestingModule({
      providers: [
        NodeRouter,
        {
          provide: NodeDirectory,
          useValue: {
            candidates: (modelId: string) => {
              directory.asked.push(modelId);
              return Promise.resolve(directory.targets);
            },
          },
        },
        { provide: AppConfig, useValue: AppConfig.fromProcessEnv({}) },
      ],
    }).compile();
    moduleRef.useLogger(false);
    router = moduleRef.get(NodeRouter);
  });

  it('counts operators, not nodes: two nodes of one operator are one', async () => {
    directory.targets = [target('a1', 'alice'), target('a2', 'alice'), target('in', null, true)];
    await expect(router.admit(request(2))).resolves.toBeUndefined();
    const refused = router.admit(request(3));
    await expect(refused).rejects.toBeInstanceOf(NotEnoughOperatorsError);
    await expect(refused).rejects.toMatchObject({
      code: ErrorCode.NOT_ENOUGH_OPERATORS,
      details: { modelId: 'embedded', operators: 2, required: 3 },
      message: expect.stringContaining('at least 3 independent operators') as unknown,
    });
    expect(directory.asked).toEqual(['embedded', 'embedded']);
  });

  it('refuses with no node at all when a minimum is set, and is a 503 that is not a node fault', async () => {
    const error = await router.admit(request(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ details: { operators: 0, required: 2 } });
    expect(HTTP_STATUS_BY_CODE[ErrorCode.NOT_ENOUGH_OPERATORS]).toBe(503);
  });

  it('admits without asking the directory when no minimum above one is set', async () => {
    await router.admit(request());
    await router.admit(request(1));
    expect(directory.asked).toEqual([]);
  });

  it('counts distinct operators among three', async () => {
    directory.targets = [target('a', 'alice'), target('b', 'bob'), target('c', 'carol')];
    await expect(router.admit(request(3))).resolves.toBeUndefined();
    await expect(router.admit(request(4))).rejects.toMatchObject({ details: { operators: 3 } });
  });

  it('does not count a node whose circuit is open, counts it again once half-open, and asking moves nothing on', async () => {
    directory.targets = [target('a', 'alice'), target('b', 'bob'), target('in', null, true)];
    await expect(router.admit(request(3))).resolves.toBeUndefined();
    router.breaker.tripped('b');
    await expect(router.admit(request(3))).rejects.toMatchObject({ details: { operators: 2, required: 3 } });
    await expect(router.admit(request(2))).resolves.toBeUndefined();
    // Admission only reads the circuit: the half-open trial is still there for a reply to claim.
    expect(router.breaker.state('b')).toBe('open');
    const later = Date.now() + BREAKER_HALF_OPEN_AFTER_MS;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await expect(router.admit(request(3))).resolves.toBeUndefined();
    expect(router.breaker.allows('b', later)).toBe(true);
  });

  afterEach(() => jest.restoreAllMocks());
});
