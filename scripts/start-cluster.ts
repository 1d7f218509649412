import 'reflect-metadata';
import { join, relative, resolve } from 'node:path';
import { ensureOperators, spawnClusterNode, waitForHealthyNodes } from './cluster-nodes';
import { describeChain } from './local-chain';
import { preparePlatform, superviseCore } from './platform';

const NODES = 3;
const NODES_HEALTHY_MS = 60_000;

/**
 * `npm run start:cluster`: what `npm start` runs, plus three inference node processes (apps/node, the embedded
 * model) under three distinct operator accounts, all on this machine and without Docker, all supervised (a node
 * that crashes is started again, with the same key, and registers again). The api's in-process node is off unless
 * NODE_IN_PROCESS says otherwise, so the replies come from the three nodes and the router's failover is real.
 *
 * CLUSTER_NODE_PORT (default 4001) is the first node's port; the others follow it. Operator keys live in
 * DATA_DIR/cluster-operators.json (0600), node keys in DATA_DIR/cluster/node-N/, both reused on the next start.
 */
async function main(): Promise<void> {
  // Read here, not in libs/config: these are the launcher's own settings, not the platform's.
  const inProcess = process.env.NODE_IN_PROCESS || 'false';
  const firstPort = Number(process.env.CLUSTER_NODE_PORT ?? '4001');
  if (!Number.isInteger(firstPort) || firstPort < 1 || firstPort > 65535 - NODES)
    throw new Error(`CLUSTER_NODE_PORT must be a port number, not "${process.env.CLUSTER_NODE_PORT}"`);
  const platform = await preparePlatform({ NODE_IN_PROCESS: inProcess });
  const names = Array.from({ length: NODES }, (_, i) => `cluster-node-${i + 1}`);
  // Nodes stop first: their draining heartbeat reaches an api that is still up.
  const supervisor = await superviseCore(platform, () => names);
  const { root, config, chain, demo, demoKeyFile } = platform;
  const apiUrl = `http://127.0.0.1:${config.port}`;
  // As the api resolves DATA_DIR: from the working directory (an absolute one as it is).
  const dataDir = resolve(config.dataDir);

  try {
    const operatorsFile = join(dataDir, 'cluster-operators.json');
    const operators = await ensureOperators(apiUrl, operatorsFile, NODES);
    operators.forEach((operator, i) => {
      const node = {
        name: names[i],
        port: firstPort + i,
        dataDir: join(dataDir, 'cluster', `node-${i + 1}`),
        operatorKey: operator.apiKey,
      };
      // A node that keeps failing (its key revoked, its port taken) is given up on alone: the api stays up.
      supervisor.add(
        node.name,
        () => spawnClusterNode(root, apiUrl, node, { env: platform.env }),
        undefined,
        { givesUpAlone: true },
      );
    });
    await waitForHealthyNodes(apiUrl, names, NODES_HEALTHY_MS);

    // Each node's pid as it runs now: `kill -9 <pid>` mid-reply shows a takeover (docs/network.md). A restarted
    // node's new pid is in the supervisor's "is starting again (pid N)" line.
    const pid = (name: string): string => String(supervisor.current(name)?.pid ?? 'restarting');
    const shown = (path: string): string => relative(process.cwd(), path) || path;
    console.log(
      [
        '',
        'Twinproof is running as a cluster: an api, a worker and three inference nodes.',
        `  API:           ${config.publicUrl}/v1`,
        `  OpenAPI docs:  ${config.publicUrl}/docs  (JSON: ${config.publicUrl}/docs-json)`,
        `  Chain:         ${describeChain(chain)}`,
        `  Nodes:         ${names.map((name, i) => `${name} on :${firstPort + i} (operator ${operators[i].handle}, pid ${pid(name)})`).join(', ')}`,
        `  In-process:    ${inProcess === 'false' ? 'off (NODE_IN_PROCESS=false): only the three nodes answer' : `NODE_IN_PROCESS=${inProcess}: the api's own node answers too`}`,
        `  Keys:          operators in ${shown(operatorsFile)}, nodes in ${shown(join(dataDir, 'cluster'))}/node-N (0600)`,
        `  Demo creator:  "${demo.handle}", API key in ${shown(demoKeyFile)}`,
        `  Try:           curl -s ${config.publicUrl}/v1/nodes`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    // Leave no api, worker, chain or node running behind a launcher that gives up.
    await supervisor.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
