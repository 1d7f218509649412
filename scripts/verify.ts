// `npm run verify -- <bundle.json | conversation.jsonl | inference-id> [options]`: checks a reply (or a whole
// exported conversation) offline, trusting nothing the platform says: signature, attestation, content hashes,
// Merkle inclusion, the root on chain, the zk proof and, for an export, the receipts' hash chain.
import { AttestationPolicy, DevAttestationAuthority } from '@app/attestation';
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
import { releaseZkResources } from '@app/zk';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run verify -- <bundle.json | conversation.jsonl | inference-id> [options]
  --url <api>                  where to fetch an inference id from (default $TWINPROOF_URL or http://127.0.0.1:3000)
  --key <api key>              your key (default $TWINPROOF_API_KEY, else .data/demo-creator.json); participants also get content checks
  --rpc <url>                  the chain's JSON-RPC endpoint (default: the api's GET /v1/chain, else $TWINPROOF_RPC_URL or http://127.0.0.1:8545)
  --trust-dev-authority <0x..> accept development attestations from this dev CA (repeatable; the local .data/dev-ca.json is trusted when present)
  --allow-measurement <0x..>   enforce an allow-list of enclave measurements (repeatable)
  --contract <0x..>            the ReceiptAnchor address you trust (otherwise any contract running ReceiptAnchor's code)
  --at <ISO date>              check the attestation as of this time (default: when the node signed)
  --strict                     exit 1 unless every check passed (none skipped)
  --json                       print the result as JSON`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
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
  const target = positionals[0];
  if (values.help || !target) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const url = values.url ?? process.env.TWINPROOF_URL ?? 'http://127.0.0.1:3000';
  const policy = await attestationPolicy(
    values['trust-dev-authority'] ?? [],
    values['allow-measurement'],
    values.at,
  );
  let rpcUrl = values.rpc ?? process.env.TWINPROOF_RPC_URL;
  let result: Verification | AuditVerification;
  let chain: ChainReader | undefined;
  try {
    if (UUID.test(target)) {
      const key = values.key ?? process.env.TWINPROOF_API_KEY ?? localDemoKey();
      const bundle = await fetchJson<ProofBundle>(`${url}/v1/inferences/${target}/bundle`, key);
      rpcUrl ??= (await fetchJson<{ rpcUrl: string }>(`${url}/v1/chain`, key).catch(() => null))?.rpcUrl;
      chain = new ChainReader(rpcUrl ?? 'http://127.0.0.1:8545', values.contract);
      if (bundle.content === undefined)
        console.error(
          'Your key is not a participant of this conversation: content, input and zk checks are skipped.',
        );
      result = await verifyBundle(bundle, {
        attestationPolicy: policy,
        chain,
        expectedInferenceId: target,
        attestationTime: values.at ? 'policy' : 'signing',
      });
    } else {
      const text = readFileSync(target, 'utf8');
      chain = new ChainReader(rpcUrl ?? 'http://127.0.0.1:8545', values.contract);
      result = text.trimStart().startsWith('{"type"')
        ? await verifyAudit(parseAuditExport(text), { attestationPolicy: policy, chain })
        : await verifyBundle(JSON.parse(text) as ProofBundle, { attestationPolicy: policy, chain });
    }
  } finally {
    chain?.close();
    await releaseZkResources();
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
  return result.ok && (!values.strict || result.complete) ? 0 : 1;
}

async function attestationPolicy(
  trusted: string[],
  measurements: string[] | undefined,
  at: string | undefined,
): Promise<AttestationPolicy> {
  const devAuthorities = [...trusted];
  const localCa = join(process.cwd(), '.data', 'dev-ca.json');
  if (existsSync(localCa)) {
    const local = await DevAttestationAuthority.loadOrCreate(localCa);
    devAuthorities.push(local.address);
    console.error(
      `Trusting this machine's development CA ${local.address} (${localCa}): dev attestations prove no hardware.`,
    );
  }
  const now = at ? new Date(at) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error(`--at ${at} is not a date`);
  const list = measurements?.map((m) => m.toLowerCase());
  return {
    now,
    devAuthorities,
    allowedMeasurements: list ? { dev: list, nitro: list, tdx: list, sgx: list } : null,
  };
}

function localDemoKey(): string | undefined {
  const file = join(process.cwd(), '.data', 'demo-creator.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: string }).apiKey;
}

async function fetchJson<T>(url: string, key: string | undefined): Promise<T> {
  const response = await fetch(url, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  const body = (await response.json().catch(() => null)) as { error?: { message: string } } | null;
  if (!response.ok)
    throw new Error(`${url} answered ${response.status}: ${body?.error?.message ?? 'no details'}`);
  return body as T;
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '–' };

function print(result: Verification | AuditVerification): void {
  if ('bundles' in result) {
    for (const { inferenceId, verification } of result.bundles) {
      console.log(`inference ${inferenceId}: ${verification.ok ? 'ok' : 'FAILED'}`);
      printChecks(verification.checks, '  ');
    }
    console.log('conversation:');
  }
  printChecks(result.checks, '  ');
  const failed = result.checks.filter((check) => check.status === 'fail').map((check) => check.check);
  console.log(
    result.ok
      ? result.complete
        ? 'VERIFIED: every check passed.'
        : 'VERIFIED, with checks skipped (see –).'
      : `FAILED: ${failed.join(', ')}`,
  );
}

function printChecks(checks: CheckResult[], indent: string): void {
  for (const check of checks) console.log(`${indent}${MARK[check.status]} ${check.check}: ${check.detail}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
