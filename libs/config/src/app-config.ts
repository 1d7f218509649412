import { join } from 'node:path';
import { configSchema, Env } from './config.schema';

export class ConfigError extends Error {}

/** Parses the environment once; the message lists every bad setting so one restart fixes them all. */
export function loadEnv(source: Record<string, string | undefined>): Env {
  const parsed = configSchema.safeParse(withoutEmpty(source));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

// `FOO=` in a shell or compose file means "not set", not "empty string".
function withoutEmpty(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/**
 * BullMQ worker timings. Processors are declared with decorators, which are evaluated when their module loads,
 * before any AppConfig exists, so this one setting is read from the environment directly, here.
 */
export function workerLockOptions(): { lockDuration: number; stalledInterval: number } {
  const { JOB_LOCK_MS } = loadEnv(process.env);
  return { lockDuration: JOB_LOCK_MS, stalledInterval: JOB_LOCK_MS };
}

/** The one typed view of the settings: the apps and libraries read them only here (launchers and test harnesses pass the environment on to the processes they start). */
export class AppConfig {
  constructor(private readonly env: Env) {}

  static fromProcessEnv(overrides: Record<string, string | undefined> = {}): AppConfig {
    return new AppConfig(loadEnv({ ...process.env, ...overrides }));
  }

  get nodeEnv(): Env['NODE_ENV'] {
    return this.env.NODE_ENV;
  }
  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }
  get host(): string {
    return this.env.HOST;
  }
  get port(): number {
    return this.env.PORT;
  }
  /** The api processes behind PORT; above 1, a cluster primary balances them with sticky sessions. */
  get apiProcesses(): number {
    return this.env.API_PROCESSES;
  }
  get publicUrl(): string {
    const host = this.env.HOST === '0.0.0.0' ? 'localhost' : this.env.HOST;
    return this.env.PUBLIC_URL ?? `http://${host}:${this.env.PORT}`;
  }
  get databaseUrl(): string {
    return this.env.DATABASE_URL;
  }
  /** Connections each process may hold; PostgreSQL's max_connections must cover every api and worker. */
  get databasePoolSize(): number {
    return this.env.DATABASE_POOL_SIZE;
  }
  get pgvector(): 'auto' | 'off' {
    return this.env.PGVECTOR;
  }
  get redisUrl(): string {
    return this.env.REDIS_URL;
  }
  get redisPrefix(): string {
    return this.env.REDIS_PREFIX;
  }
  /** Browser origins allowed to call the api: `true` any, `false` none (same origin only), or a list. */
  get corsOrigins(): boolean | string[] {
    const configured = this.env.CORS_ORIGINS;
    if (configured === undefined) return !this.isProduction;
    return configured === '*' ? true : configured.split(',');
  }
  get log(): { format: Env['LOG_FORMAT']; level: Env['LOG_LEVEL'] } {
    return { format: this.env.LOG_FORMAT, level: this.env.LOG_LEVEL };
  }
  /** Proxy hops whose X-Forwarded-For is believed when finding a client's address (Express's 'trust proxy'). */
  get trustProxy(): number {
    return this.env.TRUST_PROXY;
  }
  get signupOpen(): boolean {
    return this.env.SIGNUP_OPEN;
  }
  get limits(): {
    bodyBytes: number;
    requestsPerMinute: number;
    signupsPerHour: number;
    chatSendsPerMinute: number;
    chatConnectsPerMinute: number;
    chatEventsPerMinute: number;
    socketConnectsPerMinute: number;
    conversationsPerHour: number;
    chatMaxQueuedPackets: number;
    chatMaxBufferedBytes: number;
  } {
    return {
      bodyBytes: this.env.BODY_LIMIT_BYTES,
      requestsPerMinute: this.env.RATE_LIMIT_PER_MINUTE,
      signupsPerHour: this.env.SIGNUP_RATE_LIMIT_PER_HOUR,
      chatSendsPerMinute: this.env.CHAT_SENDS_PER_MINUTE,
      chatConnectsPerMinute: this.env.CHAT_CONNECTS_PER_MINUTE,
      chatEventsPerMinute: this.env.CHAT_EVENTS_PER_MINUTE,
      socketConnectsPerMinute: this.env.SOCKET_CONNECTS_PER_MINUTE,
      conversationsPerHour: this.env.CONVERSATIONS_PER_HOUR,
      chatMaxQueuedPackets: this.env.CHAT_MAX_QUEUED_PACKETS,
      chatMaxBufferedBytes: this.env.CHAT_MAX_BUFFERED_BYTES,
    };
  }
  /** Which models this api can run: the embedded one always, and one OpenAI-compatible server when configured. */
  get models(): {
    embeddedLatency: string;
    openAiCompatible: { id: string; baseURL: string; apiKey?: string; model: string }[];
  } {
    const {
      OPENAI_MODEL_ID: id,
      OPENAI_BASE_URL: baseURL,
      OPENAI_API_KEY: apiKey,
      OPENAI_MODEL: model,
    } = this.env;
    return {
      embeddedLatency: this.env.EMBEDDED_LATENCY,
      openAiCompatible: id && baseURL ? [{ id, baseURL, apiKey, model: model ?? id }] : [],
    };
  }
  /** A model that sends nothing for this long is given up on: the reply fails instead of hanging. */
  get modelIdleTimeoutMs(): number {
    return this.env.MODEL_IDLE_TIMEOUT_MS;
  }
  /** On shutdown, replies still streaming get this long to finish; the rest fail with SERVER_STOPPING. */
  get shutdownDrainMs(): number {
    return this.env.SHUTDOWN_DRAIN_MS;
  }
  get defaultModelId(): string {
    return this.env.DEFAULT_MODEL_ID;
  }
  get dataDir(): string {
    return this.env.DATA_DIR;
  }
  /** The in-process inference node: its name, and its key when given (otherwise kept in DATA_DIR). */
  get node(): { name: string; privateKey?: string; keyFile: string; devCaFile: string } {
    return {
      name: this.env.NODE_NAME,
      privateKey: this.env.NODE_PRIVATE_KEY,
      keyFile: join(this.env.DATA_DIR, 'node-key.json'),
      devCaFile: join(this.env.DATA_DIR, 'dev-ca.json'),
    };
  }
  /** The node network as the api's router sees it (docs/network.md). */
  get network(): {
    inProcessNode: boolean;
    heartbeatMs: number;
    itlTimeoutMs: number;
    minTokensPerS: number;
    maxAttempts: number;
    registrationsPerHour: number;
    routerPrivateKey?: string;
    routerKeyFile: string;
    rollupMs: number;
    maxShare: number;
    minOperators: number;
    spotCheckRate: number;
    spotCheckModels: string[];
  } {
    return {
      inProcessNode: this.env.NODE_IN_PROCESS,
      heartbeatMs: this.env.NODE_HEARTBEAT_MS,
      itlTimeoutMs: this.env.NODE_ITL_TIMEOUT_MS,
      minTokensPerS: this.env.NODE_MIN_TOKENS_PER_S,
      maxAttempts: this.env.NODE_MAX_ATTEMPTS,
      registrationsPerHour: this.env.NODE_REGISTRATIONS_PER_HOUR,
      routerPrivateKey: this.env.ROUTER_PRIVATE_KEY,
      routerKeyFile: join(this.env.DATA_DIR, 'router-key.json'),
      rollupMs: this.env.NETWORK_ROLLUP_MS,
      maxShare: this.env.NETWORK_MAX_SHARE,
      minOperators: this.env.NETWORK_MIN_OPERATORS,
      spotCheckRate: this.env.SPOT_CHECK_RATE,
      spotCheckModels: this.env.SPOT_CHECK_MODELS?.split(',') ?? [],
    };
  }
  /** An operator's default cost and price assumptions, in USD (docs/network.md, Operator economics). */
  get economics(): {
    pricePer1kTokens: number;
    hardwareUsd: number;
    lifetimeMonths: number;
    watts: number;
    kwhUsd: number;
    bandwidthUsdPerMonth: number;
    hostingUsdPerMonth: number;
  } {
    return {
      pricePer1kTokens: this.env.NODE_PRICE_PER_1K_TOKENS,
      hardwareUsd: this.env.NODE_HARDWARE_USD,
      lifetimeMonths: this.env.NODE_HARDWARE_LIFETIME_MONTHS,
      watts: this.env.NODE_POWER_WATTS,
      kwhUsd: this.env.NODE_KWH_USD,
      bandwidthUsdPerMonth: this.env.NODE_BANDWIDTH_USD_PER_MONTH,
      hostingUsdPerMonth: this.env.NODE_HOSTING_USD_PER_MONTH,
    };
  }
  /**
   * Which attestations the worker accepts: dev attestations from the listed authorities, and from the local dev CA
   * (in DATA_DIR) when trustLocalDevCa (default: outside production). A measurement list, when set, is enforced.
   */
  get attestation(): {
    trustedDevAuthorities: string[];
    trustLocalDevCa: boolean;
    allowedMeasurements: string[] | null;
  } {
    return {
      trustedDevAuthorities: this.env.TRUSTED_DEV_AUTHORITIES?.split(',') ?? [],
      trustLocalDevCa: this.env.TRUST_LOCAL_DEV_CA,
      allowedMeasurements: this.env.ALLOWED_MEASUREMENTS?.split(',').map((m) => m.toLowerCase()) ?? null,
    };
  }
  /** `rpcUrl` is private (it may hold a provider key); `publicRpcUrl` is the one shown to verifiers. */
  get chain(): {
    rpcUrl: string;
    publicRpcUrl: string;
    privateKey: string;
    anchorContract: string;
    confirmations: number;
  } {
    return {
      rpcUrl: this.env.CHAIN_RPC_URL,
      publicRpcUrl: this.env.CHAIN_PUBLIC_RPC_URL,
      privateKey: this.env.CHAIN_PRIVATE_KEY,
      anchorContract: this.env.ANCHOR_CONTRACT,
      confirmations: this.env.CHAIN_CONFIRMATIONS,
    };
  }
  /** Private chat through Oblivious HTTP (docs/privacy.md). */
  get privacy(): {
    tokensPerHour: number;
    issuerName: string;
    issuerKeyFile: string;
    keyRotateMs: number;
    keyGraceMs: number;
  } {
    return {
      tokensPerHour: this.env.PRIVATE_TOKENS_PER_HOUR,
      issuerName: this.env.PRIVACY_ISSUER_NAME,
      issuerKeyFile: this.env.PRIVACY_ISSUER_KEY_FILE ?? join(this.env.DATA_DIR, 'privacy-issuer-key.pem'),
      keyRotateMs: this.env.OHTTP_KEY_ROTATE_MS,
      keyGraceMs: this.env.OHTTP_KEY_GRACE_MS,
    };
  }
  /** The model hub (docs/hub.md). */
  get hub(): { maxArtifactBytes: number; publishPerHour: number; blobDir: string; corpus?: string } {
    return {
      maxArtifactBytes: this.env.HUB_MAX_ARTIFACT_BYTES,
      publishPerHour: this.env.HUB_PUBLISH_PER_HOUR,
      blobDir: join(this.env.DATA_DIR, 'hub', 'blobs'),
      corpus: this.env.HUB_CORPUS,
    };
  }
  /** A settlement batch closes when it holds maxSize receipts or its first receipt is maxAgeMs old. */
  get batches(): {
    maxSize: number;
    maxAgeMs: number;
    reconcileIntervalMs: number;
    attestRound: number;
    attestPollMs: number;
  } {
    return {
      maxSize: this.env.BATCH_MAX_SIZE,
      maxAgeMs: this.env.BATCH_MAX_AGE_MS,
      reconcileIntervalMs: this.env.RECONCILE_INTERVAL_MS,
      attestRound: this.env.ATTEST_ROUND,
      attestPollMs: this.env.ATTEST_POLL_MS,
    };
  }
}
