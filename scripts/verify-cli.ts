// The verify command's logic, apart from its process: `runVerify(argv)` returns the exit code and writes through
// the given output, so tests drive it with argv exactly as `npm run verify -- …` would.
import { AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
import { AppConfig } from '@app/config';
import {
  AuditVerification,
  ChainReader,
  CheckResult,
  parseAuditExport,
  ProofBundle,
  Verification,
  verifyAudit,
  verifyBundle,
} from '@app/receipts';
import { redactRpcUrl } from '@app/settlement';
import { releaseZkResources } from '@app/zk';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run verify -- <bundle.json | conversation.jsonl | inference-id> [options]
  --api <url>                  where to fetch an inference id from (alias --url; default: this machine's api, PUBLIC_URL
                               or http://HOST:PORT from its configuration)
  --key <api key>              your key (default: the demo creator's, DATA_DIR/demo-creator.json as npm start writes
                               it); only a participant's key gets content checks
  --rpc <url>                  the chain's JSON-RPC endpoint (default: the api's GET /v1/chain, else CHAIN_PUBLIC_RPC_URL)
  --trust-dev-authority <0x..> accept development attestations from this dev CA (repeatable; this machine's dev CA in
                               DATA_DIR is trusted when present)
  --allow-measurement <0x..>   enforce an allow-list of enclave measurements (repeatable)
  --contract <0x..>            the ReceiptAnchor address you trust (otherwise any contract running ReceiptAnchor's code)
  --at <ISO date>              check the attestation as of this time (default: when the node signed)
  --strict                     exit 1 unless every check passed (none skipped)
  --json                       print the result as JSON`;

/** 0: verified (with --strict: nothing skipped); 1: a check failed (or, with --strict, was skipped); 2: not run. */
export type ExitCode = 0 | 1 | 2;

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: VerifyIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** A problem that stops the command before any check ran: said in one line, exit code 2. */
class UsageError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function runVerify(
  argv: string[],
  io: VerifyIo = consoleIo,
  config: AppConfig = AppConfig.fromProcessEnv(),
): Promise<ExitCode> {
  try {
    return await verify(argv, io, config);
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 2;
  } finally {
    await releaseZkResources();
  }
}

async function verify(argv: string[], io: VerifyIo, config: AppConfig): Promise<ExitCode> {
  const { values, positionals } = parseOptions(argv);
  const target = positionals[0];
  if (values.help || !target) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  const policy = await attestationPolicy(config, values, io);
  let rpcUrl = values.rpc;
  let chain: ChainReader | undefined;
  let result: Verification | AuditVerification;
  try {
    if (UUID.test(target)) {
      const api = (values.api ?? values.url ?? config.publicUrl).replace(/\/+$/, '');
      const key = values.key ?? localDemoKey(config);
      const bundle = await fetchJson<ProofBundle>(api, `/v1/inferences/${target}/bundle`, key);
      rpcUrl ??= await chainRpcUrl(api, config, io);
      chain = new ChainReader(rpcUrl, values.contract);
      if (bundle.content === undefined)
        io.err(
          `The key ${values.key ? 'given with --key' : 'used (the demo creator’s)'} is not a participant of this conversation, so the content checks (output-hash, input-hash, zk-proof) are skipped. Pass the consumer's key with --key <api key> to run them.`,
        );
      result = await verifyBundle(bundle, {
        attestationPolicy: policy,
        chain,
        expectedInferenceId: target,
        attestationTime: values.at ? 'policy' : 'signing',
      });
    } else {
      const text = readTarget(target);
      chain = new ChainReader(rpcUrl ?? config.chain.publicRpcUrl, values.contract);
      const options = {
        attestationPolicy: policy,
        chain,
        attestationTime: values.at ? 'policy' : 'signing',
      } as const;
      result = text.trimStart().startsWith('{"type"')
        ? await verifyAudit(parseAuditExport(text), options)
        : await verifyBundle(parseBundle(text, target), options);
    }
  } finally {
    chain?.close();
  }
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else print(result, io);
  return result.ok && (!values.strict || result.complete) ? 0 : 1;
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        rpc: { type: 'string' },
        'trust-dev-authority': { type: 'string', multiple: true },
        'allow-measurement': { type: 'string', multiple: true },
        at: { type: 'string' },
        contract: { type: 'string' },
        strict: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

async function attestationPolicy(
  config: AppConfig,
  values: { 'trust-dev-authority'?: string[]; 'allow-measurement'?: string[]; at?: string },
  io: VerifyIo,
): Promise<AttestationPolicy> {
  const devAuthorities = [...(values['trust-dev-authority'] ?? [])];
  const localCa = config.node.devCaFile;
  if (existsSync(localCa)) {
    const local = await DevAttestationAuthority.loadOrCreate(localCa);
    devAuthorities.push(local.address);
    io.err(
      `Trusting this machine's development CA ${local.address} (${localCa}): dev attestations prove no hardware.`,
    );
  }
  const now = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`--at ${values.at} is not a date`);
  const list = values['allow-measurement']?.map((m) => m.toLowerCase());
  return {
    now,
    devAuthorities,
    allowedMeasurements: list ? { dev: list, nitro: list, tdx: list, sgx: list } : null,
  };
}

/** The demo creator's key, where npm start writes it: DATA_DIR, as the dev CA above is read from. */
function localDemoKey(config: AppConfig): string | undefined {
  const file = join(config.dataDir, 'demo-creator.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: string }).apiKey;
}

function readTarget(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function parseBundle(text: string, path: string): ProofBundle {
  try {
    return JSON.parse(text) as ProofBundle;
  } catch {
    throw new UsageError(`${path} is neither a bundle (JSON) nor an audit export (JSON Lines).`);
  }
}

/**
 * GET /v1/chain is public, so it is asked without a key: a key it does not know (a private session's) would only get
 * a refusal. When it cannot be read the fallback is said, not taken silently: the default may be another chain.
 */
async function chainRpcUrl(api: string, config: AppConfig, io: VerifyIo): Promise<string> {
  try {
    const chain = await fetchJson<{ rpcUrl?: unknown }>(api, '/v1/chain', undefined);
    if (typeof chain?.rpcUrl === 'string' && chain.rpcUrl) return chain.rpcUrl;
    io.err(
      `${api}/v1/chain named no RPC URL; checking the chain at ${redactRpcUrl(config.chain.publicRpcUrl)} (CHAIN_PUBLIC_RPC_URL) instead. Pass --rpc <url> to choose.`,
    );
  } catch (error) {
    io.err(
      `Could not read the chain from ${api}/v1/chain (${error instanceof Error ? error.message : String(error)}); checking the chain at ${redactRpcUrl(config.chain.publicRpcUrl)} (CHAIN_PUBLIC_RPC_URL) instead. Pass --rpc <url> to choose.`,
    );
  }
  return config.chain.publicRpcUrl;
}

async function fetchJson<T>(api: string, path: string, key: string | undefined): Promise<T> {
  const url = `${api}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UsageError(
      `Could not reach the api at ${api} (${cause?.code ?? cause?.message ?? String(error)}). Is it running? Name it with --api <url>, or set PORT / PUBLIC_URL as the api has them.`,
    );
  }
  const body = (await response.json().catch(() => null)) as { error?: { message: string } } | null;
  if (!response.ok) {
    const hint = response.status === 401 ? ' Pass your api key with --key <api key>.' : '';
    throw new UsageError(
      `${url} answered ${response.status}: ${body?.error?.message ?? 'no details'}.${hint}`,
    );
  }
  return body as T;
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '–' };

function print(result: Verification | AuditVerification, io: VerifyIo): void {
  if ('bundles' in result) {
    for (const { inferenceId, verification } of result.bundles) {
      io.out(`inference ${inferenceId}: ${verification.ok ? 'ok' : 'FAILED'}`);
      printChecks(verification.checks, '  ', io);
    }
    io.out('conversation:');
  }
  printChecks(result.checks, '  ', io);
  const failed = result.checks.filter((check) => check.status === 'fail').map((check) => check.check);
  io.out(
    result.ok
      ? result.complete
        ? 'VERIFIED: every check passed.'
        : 'VERIFIED, with checks skipped (see –).'
      : `FAILED: ${failed.join(', ')}`,
  );
}

function printChecks(checks: CheckResult[], indent: string, io: VerifyIo): void {
  for (const check of checks) io.out(`${indent}${MARK[check.status]} ${check.check}: ${check.detail}`);
}
