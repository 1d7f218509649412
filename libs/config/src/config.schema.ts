import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const hexKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex key');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');
const addressList = z
  .string()
  .regex(/^(0x[0-9a-fA-F]{40})(,0x[0-9a-fA-F]{40})*$/, 'must be comma-separated 0x addresses');
const hexList = z
  .string()
  .regex(/^(0x[0-9a-fA-F]+)(,0x[0-9a-fA-F]+)*$/, 'must be comma-separated 0x-hex values');

// Every setting has a default that works for `npm start` on a machine with the local PostgreSQL and Redis.
// The README's configuration table lists these; keep the two in step.
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    // How many api processes serve PORT (docs/scaling.md): above 1, a cluster primary owns the port and hands each
    // connection to a worker process, sticky per socket.io session. 1: one process, no primary.
    API_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
      .default('postgresql://postgres@127.0.0.1:5432/twinproof'),
    // pgvector is used when the server has it (auto) unless switched off.
    PGVECTOR: z.enum(['auto', 'off']).default('auto'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
      .default('twinproof'),
    // Which web origins may call the api from a browser (HTTP and socket.io alike): comma-separated origins, or *.
    // Unset: any origin in development, none in production.
    CORS_ORIGINS: z
      .string()
      .regex(
        /^(\*|https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*)$/,
        "'*' or comma-separated origins like https://app.example.org (no path, no trailing slash)",
      )
      .optional(),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    SIGNUP_OPEN: bool.optional(),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
    CHAT_SENDS_PER_MINUTE: z.coerce.number().int().positive().default(30),
    CHAT_CONNECTS_PER_MINUTE: z.coerce.number().int().positive().default(60),
    // Every event a /chat socket sends (joins, cancels, sends, unknown ones), per user: enough for reconnecting clients.
    CHAT_EVENTS_PER_MINUTE: z.coerce.number().int().positive().default(120),
    // Per client address, before authentication: socket.io handshakes on any namespace, and /chat key checks.
    SOCKET_CONNECTS_PER_MINUTE: z.coerce.number().int().positive().default(120),
    CONVERSATIONS_PER_HOUR: z.coerce.number().int().positive().default(1000),
    // How many proxies in front of the api to trust for X-Forwarded-For (0: none, the peer is the client).
    TRUST_PROXY: z.coerce.number().int().min(0).max(16).default(0),
    // A socket that is not reading is disconnected once this much waits for it (see slow-client-monitor.ts).
    CHAT_MAX_QUEUED_PACKETS: z.coerce.number().int().positive().default(5_000),
    CHAT_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    SIGNUP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().positive().default(30),
    DEFAULT_MODEL_ID: z.string().min(1).default('embedded'),
    EMBEDDED_LATENCY: z
      .string()
      .regex(
        /^([a-z]+|ttft=\d+,tps=\d+)$/,
        "a profile name (instant, local, hosted, slow) or 'ttft=<ms>,tps=<tokens/s>'",
      )
      .default('instant'),
    MODEL_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    // How long a stopping api lets the replies it is streaming finish before it fails them.
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().nonnegative().default(10_000),
    OPENAI_MODEL_ID: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    // Where keys that must survive restarts live (the node key, the dev attestation CA), mode 0600.
    DATA_DIR: z.string().min(1).default('.data'),
    NODE_NAME: z.string().min(1).max(64).default('local'),
    NODE_PRIVATE_KEY: hexKey.optional(),
    // The in-process node is one candidate of the router; off, only registered node processes serve replies.
    NODE_IN_PROCESS: bool.default(true),
    // Nodes heartbeat this often; one silent for three intervals is not routed to.
    NODE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
    // A node that sends no token for this long is failed (before the first token, the next node is tried).
    NODE_ITL_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    // After its first token a remote node must keep up this rate (with NODE_ITL_TIMEOUT_MS of credit): one that trickles
    // a token just inside the stall timeout counts as stalled. Also paces a spot check's re-run. 0: no minimum.
    NODE_MIN_TOKENS_PER_S: z.coerce.number().min(0).default(2),
    NODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    NODE_REGISTRATIONS_PER_HOUR: z.coerce.number().int().positive().default(30),
    // How often a worker folds new inference records into the hourly traffic counters GET /v1/network reads.
    NETWORK_ROLLUP_MS: z.coerce.number().int().min(100).default(30_000),
    // GET /v1/network warns when one operator, provider or TEE kind serves more than this share of a window's requests,
    NETWORK_MAX_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
    // or when a model is served by fewer than this many operators among healthy nodes.
    NETWORK_MIN_OPERATORS: z.coerce.number().int().min(1).default(2),
    // The share of deterministic replies a worker re-runs on another operator's node (docs/network.md, Spot checks);
    // 0 turns spot checks off.
    SPOT_CHECK_RATE: z.coerce.number().min(0).max(1).default(0.05),
    // Upstream model ids served greedily (temperature 0) that spot checks may re-run; the embedded model always is.
    SPOT_CHECK_MODELS: z
      .string()
      .regex(/^[^,\s]+(,[^,\s]+)*$/, 'comma-separated model ids')
      .optional(),
    // The default assumptions of GET /v1/nodes/:id/economics and npm run node:roi (docs/network.md, Operator
    // economics), in USD; each request may override them. The price is what a node earns per 1,000 tokens it serves.
    NODE_PRICE_PER_1K_TOKENS: z.coerce.number().min(0).default(0.002),
    NODE_HARDWARE_USD: z.coerce.number().min(0).default(2_000),
    NODE_HARDWARE_LIFETIME_MONTHS: z.coerce.number().min(1).max(600).default(36),
    NODE_POWER_WATTS: z.coerce.number().min(0).default(300),
    NODE_KWH_USD: z.coerce.number().min(0).default(0.15),
    NODE_BANDWIDTH_USD_PER_MONTH: z.coerce.number().min(0).default(10),
    NODE_HOSTING_USD_PER_MONTH: z.coerce.number().min(0).default(20),
    // The key the api's router signs its calls to nodes with (otherwise generated and kept in DATA_DIR).
    ROUTER_PRIVATE_KEY: hexKey.optional(),
    TRUSTED_DEV_AUTHORITIES: addressList.optional(),
    // Trust the dev attestation CA kept in DATA_DIR (the in-process node's). Default: outside production only.
    TRUST_LOCAL_DEV_CA: bool.optional(),
    ALLOWED_MEASUREMENTS: hexList.optional(),
    CHAIN_RPC_URL: z.url().default('http://127.0.0.1:8545'),
    // What GET /v1/chain publishes for verifiers: CHAIN_RPC_URL may carry a provider's key, so it is never shown.
    CHAIN_PUBLIC_RPC_URL: z.url().default('http://127.0.0.1:8545'),
    // Hardhat's first well-known dev account and the address its first deployment gets on a fresh dev chain.
    CHAIN_PRIVATE_KEY: hexKey.default('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'),
    ANCHOR_CONTRACT: address.default('0x5FbDB2315678afecb367f032d93F642f64180aa3'),
    CHAIN_CONFIRMATIONS: z.coerce.number().int().min(1).max(64).default(1),
    BATCH_MAX_SIZE: z.coerce.number().int().min(1).max(100_000).default(256),
    BATCH_MAX_AGE_MS: z.coerce.number().int().min(10).default(2_000),
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
    // Workers attest pending receipts in rounds of up to ATTEST_ROUND, waiting ATTEST_POLL_MS after a round that was not full.
    ATTEST_ROUND: z.coerce.number().int().min(1).max(1_000).default(100),
    ATTEST_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
    // Private chat (docs/privacy.md). Privacy Pass tokens a signed-in user may obtain per hour; each pays for one
    // private request, so this is private chat's rate limit and bill.
    PRIVATE_TOKENS_PER_HOUR: z.coerce.number().int().min(1).default(200),
    // The issuer name inside every token challenge; the RSA issuer key (kept in DATA_DIR unless named).
    PRIVACY_ISSUER_NAME: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,255}$/, 'a host-like name')
      .default('twinproof'),
    PRIVACY_ISSUER_KEY_FILE: z.string().min(1).optional(),
    // A gateway's OHTTP key is replaced this often; the one it replaced is still accepted for the grace period.
    OHTTP_KEY_ROTATE_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(24 * 3_600_000),
    OHTTP_KEY_GRACE_MS: z.coerce.number().int().min(0).default(3_600_000),
    // The model hub (docs/hub.md): the largest artifact accepted, publications per account per hour, and the corpus
    // npm run hub:seed loads (default: the ONNX Model Zoo corpus in libs/hub/corpus).
    HUB_MAX_ARTIFACT_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(2 * 1024 ** 3),
    HUB_PUBLISH_PER_HOUR: z.coerce.number().int().min(1).default(20),
    HUB_CORPUS: z.string().min(1).optional(),
    // How long a job stays locked to a worker that stopped renewing it (died) before another worker takes it.
    JOB_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  })
  .transform((env) => ({
    ...env,
    // Open sign-up is convenient in development and a risk in production: off there unless asked for.
    SIGNUP_OPEN: env.SIGNUP_OPEN ?? env.NODE_ENV !== 'production',
    // The local dev CA attests nodes without any TEE: trusted where nothing real is at stake, unless asked for.
    TRUST_LOCAL_DEV_CA: env.TRUST_LOCAL_DEV_CA ?? env.NODE_ENV !== 'production',
  }));

export type Env = z.output<typeof configSchema>;

/** Every setting's name, so a deployment file can be checked for names the platform would silently ignore. */
export const CONFIG_KEYS: readonly string[] = Object.keys(configSchema.in.shape);
