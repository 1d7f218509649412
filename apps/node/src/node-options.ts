import { flagReader, httpUrlOption, integerOption, wantsHelp } from '@app/common/cli-options';
import { DEFAULT_TSM_ROOT } from '@app/attestation';
import type { LogSettings } from '@app/common/root-logger';
import { isEmbeddedModelId } from '@app/inference/embedded.provider';
import { GGUF_DEFAULT_PARALLEL } from '@app/inference/gguf.provider';
import { type LatencyProfile, parseLatencyProfile } from '@app/inference/latency-profile';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** Everything a node process is told, from its flags or, for a flag not given, its environment variable. */
export interface NodeOptions {
  apiUrl: string;
  operatorKey: string;
  /** The ids it registers and serves. */
  modelIds: string[];
  upstream?: { baseURL: string; apiKey?: string; model: string };
  /** A local GGUF model file run on this machine's CPU (docs/network.md, Serving a GGUF model). */
  gguf?: { path: string; threads?: number; parallel: number };
  /** How the embedded model paces plain `embedded` replies (EMBEDDED_LATENCY, as the api reads it); instant if absent. */
  embeddedLatency?: LatencyProfile;
  /** 0: any free port. */
  port: number;
  host: string;
  /** Where the api reaches it; by default http://127.0.0.1:<port> once listening. */
  publicUrl?: string;
  name: string;
  dataDir: string;
  region?: string;
  provider?: string;
  heartbeatMs: number;
  /** How long SIGTERM lets running inferences finish before they are cut. */
  drainMs: number;
  /** Its OHTTP gateway key is replaced this often; the replaced one is accepted for graceMs more (docs/privacy.md). */
  ohttpKeys: { rotateMs: number; graceMs: number };
  /** dev: the api's dev authority vouches for the key; tdx: a TDX quote for the key, made here (docs/network.md). */
  tee: NodeTee;
  /** A folder of hub artifacts this node pins and serves at /hub/artifacts/<sha256> (docs/hub.md, Pinning). */
  hubDir?: string;
  log: LogSettings;
}

export type NodeTee =
  | { kind: 'dev' }
  /** tsmRoot: configfs-tsm's report directory; collateral: DCAP collateral JSON, sent with the quote as it is. */
  | { kind: 'tdx'; tsmRoot: string; collateral: Record<string, unknown> };

// A collateral document is ~16-40 KB; the api refuses one above this (libs/network/src/dto/register-node.dto.ts).
export const TEE_COLLATERAL_MAX_BYTES = 64 * 1024;

export class NodeOptionsError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = new.target.name;
  }
}

export const USAGE = `Usage: npm run node -- --api URL --operator-key KEY [options]   (docs/network.md)
  --api URL               the Twinproof api                                  NODE_API_URL
  --operator-key KEY      an API key of an operator (or admin) account         NODE_OPERATOR_KEY
  --upstream URL          an OpenAI-compatible server (e.g. http://localhost:8000/v1); none: the embedded model
                                                                               NODE_UPSTREAM_URL
  --upstream-key KEY      its API key                                          NODE_UPSTREAM_KEY
  --upstream-model NAME   the model name it knows (default: the model id)      NODE_UPSTREAM_MODEL
  --gguf PATH             a local GGUF model file, run on this machine's CPU   NODE_GGUF
  --gguf-threads N        CPU threads per evaluation (default: all cores)      NODE_GGUF_THREADS
  --gguf-parallel N       replies generated at once (default 2)                NODE_GGUF_PARALLEL
  --model-id ID           the model id personas name (default: embedded; --upstream-model with --upstream;
                          the file name without .gguf with --gguf)             NODE_MODEL_ID
  --embedded-latency P    how plain \`embedded\` paces its replies: instant (default), local, hosted, slow or
                          ttft=<ms>,tps=<tokens/s> (the api's setting of the same name)   EMBEDDED_LATENCY
  --listen PORT           (default 0: any free port)                           NODE_LISTEN
  --host HOST             (default 0.0.0.0)                                    NODE_HOST
  --public-url URL        where the api reaches this node (default http://127.0.0.1:PORT)  NODE_PUBLIC_URL
  --name NAME             (default: the host name)                             NODE_NAME
  --data-dir DIR          where its key is kept (default .data/node-NAME)      NODE_DATA_DIR
  --region REGION / --provider PROVIDER   declared, for the network's figures  NODE_REGION / NODE_PROVIDER
  --heartbeat-ms MS       (default 5000)                                       NODE_HEARTBEAT_MS
  --drain-ms MS           SIGTERM waits this long for running replies (default 30000)  NODE_DRAIN_MS
  --ohttp-rotate-ms MS    how often its OHTTP gateway key is replaced (default 86400000)  OHTTP_KEY_ROTATE_MS
  --ohttp-grace-ms MS     how long the replaced key is still accepted (default 3600000)   OHTTP_KEY_GRACE_MS
  --tee dev|tdx           dev (default): the api's dev authority vouches for the key; tdx: this node, in an
                          Intel TDX guest, sends a TDX quote binding its key when it registers   NODE_TEE
  --tsm-root PATH         the configfs-tsm report directory (default /sys/kernel/config/tsm/report)  NODE_TSM_ROOT
  --tee-collateral FILE   with --tee tdx: the quote's DCAP collateral JSON, fetched from your PCCS or Intel PCS
                          (format: libs/attestation/test-fixtures/tdx_quote_collateral.json)  NODE_TEE_COLLATERAL
  --hub-dir DIR           hub model files this node pins and serves, known by their SHA-256 (docs/hub.md)
                                                                               NODE_HUB_DIR`;

const FLAGS = {
  api: 'NODE_API_URL',
  'operator-key': 'NODE_OPERATOR_KEY',
  upstream: 'NODE_UPSTREAM_URL',
  'upstream-key': 'NODE_UPSTREAM_KEY',
  'upstream-model': 'NODE_UPSTREAM_MODEL',
  gguf: 'NODE_GGUF',
  'gguf-threads': 'NODE_GGUF_THREADS',
  'gguf-parallel': 'NODE_GGUF_PARALLEL',
  'model-id': 'NODE_MODEL_ID',
  // The api's own variable, not a NODE_* one: one EMBEDDED_LATENCY slows the api and start:cluster's nodes alike.
  'embedded-latency': 'EMBEDDED_LATENCY',
  listen: 'NODE_LISTEN',
  host: 'NODE_HOST',
  'public-url': 'NODE_PUBLIC_URL',
  name: 'NODE_NAME',
  'data-dir': 'NODE_DATA_DIR',
  region: 'NODE_REGION',
  provider: 'NODE_PROVIDER',
  'heartbeat-ms': 'NODE_HEARTBEAT_MS',
  'drain-ms': 'NODE_DRAIN_MS',
  // The api's own variables: one setting for the in-process gateway and start:cluster's nodes alike.
  'ohttp-rotate-ms': 'OHTTP_KEY_ROTATE_MS',
  'ohttp-grace-ms': 'OHTTP_KEY_GRACE_MS',
  tee: 'NODE_TEE',
  'tsm-root': 'NODE_TSM_ROOT',
  'tee-collateral': 'NODE_TEE_COLLATERAL',
  'hub-dir': 'NODE_HUB_DIR',
} as const;

type Flag = keyof typeof FLAGS;

// Checked at start, so a wrong path is a readable refusal now rather than a failed first reply (the model itself
// loads on the first request).
function ggufFile(value: string): string {
  const path = resolve(value);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // missing or unreadable: refused below
  }
  if (!isFile) throw new NodeOptionsError(`--gguf: no model file at "${value}".`);
  return path;
}

// Checked at start: a mistyped folder is a refusal now, not a node that silently pins nothing.
function hubDirectory(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const path = resolve(value);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // missing or unreadable: refused below
  }
  if (!isDirectory) throw new NodeOptionsError(`--hub-dir: no folder at "${value}".`);
  return path;
}

// Read at start, so a missing or broken file is refused before the node asks its TSM for a quote.
function collateralFile(value: string | undefined): Record<string, unknown> {
  if (value === undefined)
    throw new NodeOptionsError(
      '--tee tdx needs --tee-collateral FILE: the DCAP collateral the api verifies the quote with.',
    );
  let text: string;
  try {
    text = readFileSync(resolve(value), 'utf8');
  } catch {
    throw new NodeOptionsError(`--tee-collateral: no readable file at "${value}".`);
  }
  if (Buffer.byteLength(text) > TEE_COLLATERAL_MAX_BYTES)
    throw new NodeOptionsError(`--tee-collateral: "${value}" is over ${TEE_COLLATERAL_MAX_BYTES} bytes.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new NodeOptionsError(`--tee-collateral: "${value}" is not a JSON object.`);
  return parsed as Record<string, unknown>;
}

function teeOption(get: (flag: Flag) => string | undefined): NodeTee {
  const kind = get('tee') ?? 'dev';
  if (kind === 'dev') return { kind };
  if (kind !== 'tdx') throw new NodeOptionsError(`--tee must be dev or tdx, not "${kind}".`);
  return {
    kind,
    tsmRoot: get('tsm-root') ?? DEFAULT_TSM_ROOT,
    collateral: collateralFile(get('tee-collateral')),
  };
}

export { wantsHelp };

const refuse = (message: string): Error => new NodeOptionsError(message);
const httpUrl = (value: string, flag: string): string => httpUrlOption(value, `--${flag}`, refuse);
const integer = (
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number => integerOption(value, `--${flag}`, fallback, { min, max }, refuse);

// Named profiles and inline ones, parsed as the api parses its EMBEDDED_LATENCY; an unknown one is refused at start
// rather than served instantly without a word.
function latencyProfile(value: string | undefined): LatencyProfile | undefined {
  if (value === undefined) return undefined;
  const profile = parseLatencyProfile(value);
  if (!profile)
    throw new NodeOptionsError(
      `--embedded-latency (EMBEDDED_LATENCY) must be instant, local, hosted, slow or ttft=<ms>,tps=<tokens/s>, not "${value}".`,
    );
  return profile;
}

export function parseNodeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): NodeOptions {
  const get = flagReader<Flag>(argv, env, FLAGS, refuse);
  const required = (flag: Flag): string => {
    const value = get(flag);
    if (value === undefined) throw new NodeOptionsError(`--${flag} (or ${FLAGS[flag]}) is required.`);
    return value;
  };

  const apiUrl = httpUrl(required('api'), 'api');
  const upstreamUrl = get('upstream');
  const upstreamModel = get('upstream-model');
  const ggufPath = get('gguf');
  if (upstreamUrl && ggufPath) throw new NodeOptionsError('Give --upstream or --gguf, not both.');
  const modelId =
    get('model-id') ??
    (upstreamUrl ? upstreamModel : ggufPath ? basename(ggufPath).replace(/\.gguf$/i, '') : 'embedded');
  if (modelId === undefined)
    throw new NodeOptionsError(
      'With --upstream, give --model-id (the id personas name) or --upstream-model.',
    );
  if ((upstreamUrl || ggufPath) && isEmbeddedModelId(modelId))
    throw new NodeOptionsError(
      `--model-id "${modelId}" names the embedded model; ${upstreamUrl ? 'an upstream' : 'a GGUF model'} needs its own id.`,
    );
  if (!upstreamUrl && !ggufPath && !isEmbeddedModelId(modelId))
    throw new NodeOptionsError(
      `--model-id "${modelId}" is not the embedded model; give --upstream or --gguf to serve it.`,
    );
  const ggufThreads = get('gguf-threads');
  const name = (get('name') ?? hostname()).slice(0, 64);
  const logLevel = env.LOG_LEVEL ?? 'log';
  if (!['error', 'warn', 'log', 'debug', 'verbose'].includes(logLevel))
    throw new NodeOptionsError(`LOG_LEVEL must be error, warn, log, debug or verbose, not "${logLevel}".`);
  const publicUrl = get('public-url');
  return {
    apiUrl,
    operatorKey: required('operator-key'),
    modelIds: [modelId],
    upstream: upstreamUrl
      ? {
          baseURL: httpUrl(upstreamUrl, 'upstream'),
          apiKey: get('upstream-key'),
          model: upstreamModel ?? modelId,
        }
      : undefined,
    gguf: ggufPath
      ? {
          path: ggufFile(ggufPath),
          threads: ggufThreads === undefined ? undefined : integer(ggufThreads, 'gguf-threads', 1, 1, 1_024),
          parallel: integer(get('gguf-parallel'), 'gguf-parallel', GGUF_DEFAULT_PARALLEL, 1, 64),
        }
      : undefined,
    embeddedLatency: latencyProfile(get('embedded-latency')),
    port: integer(get('listen'), 'listen', 0, 0, 65_535),
    host: get('host') ?? '0.0.0.0',
    publicUrl: publicUrl === undefined ? undefined : httpUrl(publicUrl, 'public-url'),
    name,
    dataDir: get('data-dir') ?? join('.data', `node-${name.replace(/[^\w.-]/g, '-')}`),
    region: get('region')?.slice(0, 64),
    provider: get('provider')?.slice(0, 64),
    heartbeatMs: integer(get('heartbeat-ms'), 'heartbeat-ms', 5_000, 100, 3_600_000),
    drainMs: integer(get('drain-ms'), 'drain-ms', 30_000, 0, 3_600_000),
    ohttpKeys: {
      rotateMs: integer(get('ohttp-rotate-ms'), 'ohttp-rotate-ms', 86_400_000, 1_000, 30 * 86_400_000),
      graceMs: integer(get('ohttp-grace-ms'), 'ohttp-grace-ms', 3_600_000, 0, 7 * 86_400_000),
    },
    tee: teeOption(get),
    hubDir: hubDirectory(get('hub-dir')),
    log: {
      format:
        env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT === undefined && process.stdout.isTTY)
          ? 'pretty'
          : 'json',
      level: logLevel as LogSettings['level'],
    },
  };
}
