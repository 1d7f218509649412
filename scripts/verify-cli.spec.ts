import { AppConfig } from '@app/config';
import { createStandIn, INFERENCE_ID } from '@app/privacy/client/testing/private-platform.stand-in';
import type { ProofBundle } from '@app/receipts';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify } from './verify-cli';

const SESSION = 'tp_private_session';
const RPC = 'http://127.0.0.1:9/public-rpc';

/** An api as verify meets it: the bundle for a session key; /v1/chain public, refusing keys it does not know. */
describe('npm run verify: the chain lookup', () => {
  let server: Server;
  let api: string;
  let dataDir: string;
  let bundle: ProofBundle;
  let authority: string;
  let chainAnswer: 'ok' | 'broken' = 'ok';
  const chainAuthorizations: (string | undefined)[] = [];

  beforeAll(async () => {
    const standIn = await createStandIn();
    bundle = standIn.platform.bundle;
    authority = standIn.authority.address;
    dataDir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
    server = createServer((request, response) => {
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const authorization = request.headers.authorization;
      if (request.url === '/v1/chain') {
        chainAuthorizations.push(authorization);
        if (chainAnswer === 'broken') return send(500, { error: { code: 'INTERNAL', message: 'down' } });
        // A private session's key is no account: the api refuses it, as it did before the lookup went keyless.
        if (authorization) return send(403, { error: { code: 'FORBIDDEN', message: 'not an account' } });
        return send(200, { chainId: 31337, rpcUrl: RPC, anchorContract: null });
      }
      if (request.url === `/v1/inferences/${INFERENCE_ID}/bundle` && authorization === `Bearer ${SESSION}`)
        return send(200, bundle);
      send(404, { error: { code: 'NOT_FOUND', message: request.url ?? '' } });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function verify() {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerify(
      [INFERENCE_ID, '--api', api, '--key', SESSION, '--trust-dev-authority', authority],
      { out: (line) => out.push(line), err: (line) => err.push(line) },
      AppConfig.fromProcessEnv({ DATA_DIR: dataDir, CHAIN_PUBLIC_RPC_URL: 'http://127.0.0.1:8/default' }),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('asks GET /v1/chain without the key given for the bundle, and uses the chain it names', async () => {
    chainAnswer = 'ok';
    chainAuthorizations.length = 0;
    const result = await verify();

    expect(chainAuthorizations).toEqual([undefined]);
    expect(result.err).not.toMatch(/Could not read the chain|instead/);
    expect(result.out).toMatch(/✓ output-hash/);
    expect(result.code).toBe(0);
  });

  it('says so when /v1/chain cannot be read, naming the default it falls back to and --rpc', async () => {
    chainAnswer = 'broken';
    try {
      const result = await verify();

      expect(result.err).toMatch(
        /Could not read the chain from http:\/\/127\.0\.0\.1:\d+\/v1\/chain \(.*answered 500: down.*\); checking the chain at .*127\.0\.0\.1:8.* \(CHAIN_PUBLIC_RPC_URL\) instead\. Pass --rpc <url> to choose\./,
      );
      expect(result.code).not.toBe(2);
    } finally {
      chainAnswer = 'ok';
    }
  });
});
