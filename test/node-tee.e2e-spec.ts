import request from 'supertest';
import { verifyNodeBinding } from '@app/attestation';
import {
  createTsmStandIn,
  fixtureBytes,
  policyAt,
  sampleEvidence,
  TsmStandIn,
} from '@app/attestation/tsm-report-stand-in';
import { PrismaService } from '@app/database';
import { signRegistration } from '@app/node-protocol';
import { type HDNodeWallet, Wallet } from 'ethers';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ApiHarness, signUp, startApi, TestUser } from './support/api-harness';
import { freePort } from './support/isolated-services';
import { buildNodeProcess } from './support/node-processes';

// No TDX guest here, and no public quote binds a key we hold: every test below is a refusal. The accepted path
// (a quote from a real TDX guest binding the node's key) cannot be exercised on this machine.
const ROOT = join(__dirname, '..');
const COLLATERAL_FILE = join(ROOT, 'libs/attestation/test-fixtures/tdx_quote_collateral.json');
const MODEL_ID = 'node-tee-e2e';

/** The verifier's own reason for this key, with today's date: what the api must pass on. */
async function expectedReason(address: string): Promise<string> {
  const verdict = await verifyNodeBinding(sampleEvidence('tdx'), address, policyAt(new Date()));
  expect(verdict.verified).toBe(false);
  return verdict.reason!;
}

describe('nodes with TDX evidence (e2e; public sample quote, no TDX hardware)', () => {
  let api: ApiHarness;
  let prisma: PrismaService;
  let operator: TestUser;

  beforeAll(async () => {
    buildNodeProcess();
    api = await startApi();
    prisma = api.app.get(PrismaService);
    operator = await signUp(api.url, 'operator');
  });
  afterAll(() => api.close());

  it('refuses a registration whose TDX quote does not verify, with the verifier’s reason, and stores nothing', async () => {
    const key = Wallet.createRandom();
    const url = 'http://127.0.0.1:9';
    const issuedAt = Date.now();
    const signature = await signRegistration(key, {
      operatorUserId: operator.id,
      address: key.address,
      url,
      issuedAt,
    });
    const response = await request(api.url)
      .post('/v1/nodes')
      .set(operator.auth)
      .send({
        address: key.address,
        name: 'tdx-sample',
        url,
        modelIds: [MODEL_ID],
        issuedAt,
        signature,
        evidence: sampleEvidence('tdx'),
      })
      .expect(403);
    const reason = await expectedReason(key.address);
    expect(response.body).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: `The node's tdx evidence was refused: ${reason}`,
        details: expect.objectContaining({ kind: 'tdx', reason }) as unknown,
      },
    });
    expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
  });

  it('refuses evidence of the wrong shape before verifying anything', async () => {
    const key = Wallet.createRandom();
    const issuedAt = Date.now();
    const url = 'http://127.0.0.1:9';
    const signature = await signRegistration(key, {
      operatorUserId: operator.id,
      address: key.address,
      url,
      issuedAt,
    });
    const body = { address: key.address, name: 'tdx-bad', url, modelIds: [MODEL_ID], issuedAt, signature };
    const send = (evidence: unknown) =>
      request(api.url)
        .post('/v1/nodes')
        .set(operator.auth)
        .send({ ...body, evidence });
    const sample = sampleEvidence('tdx');
    for (const evidence of [
      { ...sample, kind: 'dev' },
      { ...sample, document: 'not base64!' },
      { ...sample, document: 'A'.repeat(40_000) },
      { ...sample, collateral: 'text' },
      { ...sample, collateral: { pad: 'x'.repeat(70_000) } },
    ]) {
      const response = await send(evidence);
      expect({
        status: response.status,
        code: (response.body as { error: { code: string } }).error.code,
      }).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
  });

  describe('a node process started with --tee tdx', () => {
    let dataDir: string;
    let standIn: TsmStandIn;
    let key: HDNodeWallet;

    beforeEach(() => {
      // The node's key is made here, so the stand-in can hold the report entry the node will open (tsmEntryName).
      key = Wallet.createRandom();
      dataDir = mkdtempSync(join(tmpdir(), 'twinproof-tee-node-'));
      writeFileSync(
        join(dataDir, 'node-key.json'),
        JSON.stringify({ address: key.address, privateKey: key.privateKey }),
        { mode: 0o600 },
      );
      standIn = createTsmStandIn(key.address, fixtureBytes('tdx_quote'));
    });
    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(standIn.root, { recursive: true, force: true });
    });

    async function runNode(tsmRoot: string): Promise<{ code: number | null; output: string }> {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'dist/apps/node/src/main.js'),
          ...['--api', api.url, '--operator-key', operator.apiKey, '--model-id', 'embedded'],
          ...['--listen', String(port), '--host', '127.0.0.1', '--name', 'tee-node', '--data-dir', dataDir],
          ...['--tee', 'tdx', '--tsm-root', tsmRoot, '--tee-collateral', COLLATERAL_FILE],
        ],
        { env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearTimeout(killer);
      return { code, output: output.join('') };
    }

    it('sends the quote its TSM serves, is refused at registration with the verifier’s reason, and exits', async () => {
      const { code, output } = await runNode(standIn.root);
      expect(output).toContain(
        `The api refused this node: POST /v1/nodes: 403 The node's tdx evidence was refused: ${await expectedReason(key.address)}`,
      );
      expect(code).toBe(1);
      expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
    });

    it('exits with the plain reason when there is no TSM report interface, before registering', async () => {
      const missing = join(standIn.root, 'missing');
      const { code, output } = await runNode(missing);
      expect(output).toContain(
        `no TSM report interface at ${missing} (not a TDX guest, or configfs not mounted`,
      );
      expect(code).toBe(1);
      expect(await prisma.node.findUnique({ where: { address: key.address } })).toBeNull();
    });
  });
});
