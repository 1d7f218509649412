// Docker cannot run on the CI machine, so the compose file and the Dockerfile are checked as text: every setting
// compose gives a service passes the config schema, the services agree on what they share, and the worker trusts
// the attestations the api's node will make.
import { AppConfig, CONFIG_KEYS, loadEnv } from '@app/config';
import { parseNodeOptions } from '../apps/node/src/node-options';
import { parseRelayOptions } from '../apps/relay/src/relay-options';
import { DevAttestationAuthority } from '@app/attestation';
import { AttestationPolicyProvider } from '@app/network';
import { load } from 'js-yaml';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown>;
}

const root = join(__dirname, '..');
const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
// The runtime stage: everything after the last FROM.
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** ENV lines of the runtime stage (`ENV A=1 B=2`), which every container starts with. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, assignments] of runtimeStage.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const [, key, value] of assignments.matchAll(/(\w+)=(\S+)/g)) env[key] = value;
  }
  return env;
}

/** The environment a platform container runs with: the image's ENV, then compose's (as strings). */
function serviceEnv(name: string): Record<string, string> {
  const environment = compose.services[name].environment ?? {};
  return {
    ...imageEnv(),
    ...Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])),
  };
}

const runsNode = (name: string): boolean =>
  (compose.services[name].command ?? []).some((part) => part.includes('dist/apps/node/src/main.js'));
const runsRelay = (name: string): boolean =>
  (compose.services[name].command ?? []).some((part) => part.includes('dist/apps/relay/src/main.js'));
// The platform's own processes: the image, configured by the config schema (nodes have flags of their own).
const platformServices = Object.keys(compose.services).filter(
  (name) =>
    compose.services[name].image === 'twinproof:local' &&
    !runsNode(name) &&
    !runsRelay(name) &&
    name !== 'operators',
);
const nodeServices = Object.keys(compose.services).filter(runsNode);

function volumeAt(name: string, path: string): string | undefined {
  return compose.services[name].volumes?.find((volume) => volume.split(':')[1] === path)?.split(':')[0];
}

describe('docker-compose.yml and the Dockerfile', () => {
  it('runs the api, the worker, migrations and the dev chain from the one image', () => {
    expect(platformServices.sort()).toEqual(['api', 'chain', 'migrate', 'worker']);
    for (const service of Object.values(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dependency);
      }
    }
  });

  it('gives every platform service only settings the config schema knows and accepts', () => {
    for (const name of platformServices) {
      const env = serviceEnv(name);
      expect({ name, unknown: Object.keys(env).filter((key) => !CONFIG_KEYS.includes(key)) }).toEqual({
        name,
        unknown: [],
      });
      expect(() => loadEnv(env)).not.toThrow();
    }
  });

  it('has the api and the worker agree on the database, Redis, the chain and the data volume', () => {
    const [api, worker] = ['api', 'worker'].map((name) => new AppConfig(loadEnv(serviceEnv(name))));
    const migrate = new AppConfig(loadEnv(serviceEnv('migrate')));
    expect(migrate.databaseUrl).toBe(api.databaseUrl);
    expect(worker.databaseUrl).toBe(api.databaseUrl);
    expect(worker.redisUrl).toBe(api.redisUrl);
    expect(worker.redisPrefix).toBe(api.redisPrefix);
    expect(worker.chain).toEqual(api.chain);
    expect(worker.nodeEnv).toBe(api.nodeEnv);
    // One named volume at DATA_DIR in both: the node key and the dev CA the worker checks attestations with.
    expect(worker.dataDir).toBe(api.dataDir);
    const volume = volumeAt('api', api.dataDir);
    expect(volume).toBeDefined();
    expect(volumeAt('worker', worker.dataDir)).toBe(volume);
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    // The dev chain listens where the platform looks for it.
    const rpc = new URL(api.chain.rpcUrl);
    expect(rpc.hostname).toBe('chain');
    expect(compose.services.chain.command).toEqual(expect.arrayContaining(['--port', rpc.port]));
  });

  it('has the worker and the api’s router trust the dev CA that attests the nodes, in the production mode the image runs in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'twinproof-compose-'));
    // Both containers see the shared volume at DATA_DIR; here one temporary directory stands for it.
    const [api, worker] = ['api', 'worker'].map(
      (name) => new AppConfig(loadEnv({ ...serviceEnv(name), DATA_DIR: dataDir })),
    );
    expect(worker.isProduction).toBe(true);
    const nodeAuthority = await DevAttestationAuthority.loadOrCreate(api.node.devCaFile);
    const policy = await new AttestationPolicyProvider(worker).current();
    expect(policy.devAuthorities).toContain(nodeAuthority.address);
    // The router routes only to nodes whose attestation verifies: without this it would route to none.
    const routerPolicy = await new AttestationPolicyProvider(api).current();
    expect(routerPolicy.devAuthorities).toContain(nodeAuthority.address);
  });

  it('runs three node containers, each of its own operator, with its own key volume, reaching the api and reached by it', () => {
    expect(nodeServices.sort()).toEqual(['node-1', 'node-2', 'node-3']);
    const api = new AppConfig(loadEnv(serviceEnv('api')));
    // The replies come from the nodes, as with npm run start:cluster.
    expect(api.network.inProcessNode).toBe(false);
    const operatorsCommand = compose.services.operators.command ?? [];
    const operatorsFile = operatorsCommand[operatorsCommand.indexOf('--file') + 1];
    expect(operatorsCommand).toEqual(
      expect.arrayContaining(['dist/scripts/compose-operators.js', '--count', '3']),
    );
    expect(operatorsFile).toMatch(/^\/operators\//);
    expect(volumeAt('operators', '/operators')).toBe('operators');
    expect(compose.services.operators.depends_on).toHaveProperty('api');
    const indexes = nodeServices.map((name) => {
      const service = compose.services[name];
      // The operator key comes from the file the operators service wrote, through the environment.
      const script = service.command?.[2] ?? '';
      const match =
        /^NODE_OPERATOR_KEY="\$\$\(node -p "require\(\\"(.+?)\\"\)\.operators\[(\d)\]\.apiKey"\)" exec node dist\/apps\/node\/src\/main\.js$/.exec(
          script,
        );
      expect({ name, script, match: !!match }).toEqual({ name, script, match: true });
      expect(match?.[1]).toBe(operatorsFile);
      expect(service.depends_on).toHaveProperty('operators');
      expect(service.volumes).toContain('operators:/operators:ro');
      const options = parseNodeOptions([], {
        ...imageEnv(),
        ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])),
        NODE_OPERATOR_KEY: 'tp_placeholder',
      });
      const apiUrl = new URL(options.apiUrl);
      expect([apiUrl.hostname, Number(apiUrl.port)]).toEqual(['api', api.port]);
      // The api reaches the node by its service name, on the port it listens on.
      expect(options.name).toBe(name);
      const publicUrl = new URL(options.publicUrl ?? '');
      expect([publicUrl.hostname, Number(publicUrl.port)]).toEqual([name, options.port]);
      // Its key survives a restart in a volume of its own.
      const volume = volumeAt(name, options.dataDir);
      expect(Object.keys(compose.volumes ?? {})).toContain(volume);
      return { index: Number(match?.[2]), volume };
    });
    expect(new Set(indexes.map((i) => i.index))).toEqual(new Set([0, 1, 2]));
    expect(new Set(indexes.map((i) => i.volume)).size).toBe(3);
  });

  it('creates /data for the node user in the image, and DATA_DIR points at it', () => {
    const userLine = runtimeStage.indexOf('\nUSER node');
    expect(userLine).toBeGreaterThan(0);
    const beforeUser = runtimeStage.slice(0, userLine);
    expect(imageEnv().DATA_DIR).toBe('/data');
    expect(beforeUser).toMatch(/^RUN .*mkdir -p \/data\b/m);
    expect(beforeUser).toMatch(/^RUN .*chown node:node \/data\b/m);
    // Where compose's operators service writes the nodes' operator keys, as the node user.
    expect(beforeUser).toMatch(/^RUN .*mkdir -p .*\/operators\b/m);
    expect(beforeUser).toMatch(/^RUN .*chown node:node .*\/operators\b/m);
    expect(new AppConfig(loadEnv(serviceEnv('api'))).dataDir).toBe('/data');
  });

  it('runs a relay that reaches the api by its service name and listens on every interface of its container', () => {
    const relays = Object.keys(compose.services).filter(runsRelay);
    expect(relays).toEqual(['relay']);
    const environment = Object.fromEntries(
      Object.entries(compose.services.relay.environment ?? {}).map(([key, value]) => [key, String(value)]),
    );
    const options = parseRelayOptions([], environment);
    expect(options).toMatchObject({ apiUrl: 'http://api:3000', host: '0.0.0.0', port: 3300 });
    expect(compose.services.relay.ports).toContain('3300:3300');
  });
});
