import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';

/** Node processes on one machine, each under its own operator account: `npm run start:cluster` and load/node-churn. */

export interface OperatorAccount {
  handle: string;
  apiKey: string;
}

/** A node as GET /v1/nodes lists it (the fields used here). */
export interface ListedNode {
  id: string;
  name: string;
  address: string;
  status: string;
  healthy: boolean;
  operator?: string | null;
}

export interface ClusterNode {
  /** Also its --name, so GET /v1/nodes tells the nodes apart. */
  name: string;
  port: number;
  dataDir: string;
  operatorKey: string;
  /** --model-id; the node's default (`embedded`) when absent. */
  modelId?: string;
}

/**
 * `count` distinct operator accounts, signed up through the api (POST /v1/users, role operator) the first time and
 * kept in `keyFile` (mode 0600) for the next start. A kept key the api no longer accepts (a reset database) is
 * replaced by a fresh account. Handles carry a random suffix: a lost key file never collides with a taken handle.
 */
export async function ensureOperators(
  apiUrl: string,
  keyFile: string,
  count: number,
  handlePrefix = 'cluster-op',
): Promise<OperatorAccount[]> {
  const kept = readOperators(keyFile);
  const operators: OperatorAccount[] = [];
  let changed = false;
  for (let i = 0; i < count; i++) {
    const existing = kept[i];
    if (existing && (await keyWorks(apiUrl, existing.apiKey))) {
      operators.push(existing);
      continue;
    }
    operators.push(
      await signUpOperator(apiUrl, `${handlePrefix}-${i + 1}-${randomBytes(3).toString('hex')}`),
    );
    changed = true;
  }
  if (changed || kept.length !== operators.length) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify({ operators }, null, 2) + '\n', { mode: 0o600 });
    // writeFileSync's mode applies only to a new file.
    chmodSync(keyFile, 0o600);
  }
  return operators;
}

/**
 * Starts `dist/apps/node/src/main.js` as `npm run node` would, serving the embedded model. The operator key goes
 * through the environment, not the command line: argv is readable by every user of the machine (`ps`).
 */
export function spawnClusterNode(
  root: string,
  apiUrl: string,
  node: ClusterNode,
  options: { stdio?: StdioOptions; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const args = [
    join(root, 'dist/apps/node/src/main.js'),
    ...['--api', apiUrl, '--name', node.name, '--data-dir', node.dataDir],
    ...['--listen', String(node.port), '--host', '127.0.0.1'],
    ...(node.modelId ? ['--model-id', node.modelId] : []),
  ];
  return spawn(process.execPath, args, {
    stdio: options.stdio ?? 'inherit',
    env: { ...process.env, ...options.env, NODE_OPERATOR_KEY: node.operatorKey },
  });
}

// GET /v1/nodes pages newest first, 100 at a time: a long-lived registry holds more than one page.
const MAX_PAGES = 100;

/** Every node GET /v1/nodes lists, following its cursors. */
export async function listNodes<T = ListedNode>(apiUrl: string): Promise<T[]> {
  const nodes: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const response = await fetch(`${apiUrl}/v1/nodes${query}`);
    if (!response.ok) throw new Error(`GET /v1/nodes answered ${response.status}`);
    const body = (await response.json()) as { data: T[]; nextCursor: string | null };
    nodes.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return nodes;
}

/** Resolves with the listed nodes once every one of `names` is healthy; rejects after timeoutMs. */
export async function waitForHealthyNodes(
  apiUrl: string,
  names: readonly string[],
  timeoutMs: number,
): Promise<ListedNode[]> {
  const deadline = Date.now() + timeoutMs;
  let healthy: ListedNode[] = [];
  while (Date.now() < deadline) {
    try {
      healthy = (await listNodes(apiUrl)).filter((n) => names.includes(n.name) && n.healthy);
      if (healthy.length === names.length) return healthy;
    } catch {
      // the api is restarting: ask again
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const missing = names.filter((name) => !healthy.some((n) => n.name === name));
  throw new Error(`Nodes not healthy after ${timeoutMs / 1000} s: ${missing.join(', ')}`);
}

function readOperators(keyFile: string): OperatorAccount[] {
  if (!existsSync(keyFile)) return [];
  try {
    const parsed = JSON.parse(readFileSync(keyFile, 'utf8')) as { operators?: unknown };
    if (!Array.isArray(parsed.operators)) return [];
    return parsed.operators.filter(
      (o): o is OperatorAccount =>
        typeof (o as OperatorAccount).handle === 'string' &&
        typeof (o as OperatorAccount).apiKey === 'string',
    );
  } catch {
    return [];
  }
}

async function keyWorks(apiUrl: string, apiKey: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/v1/me`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (response.ok) return true;
  if (response.status === 401 || response.status === 403) return false;
  throw new Error(`GET /v1/me answered ${response.status} while checking a kept operator key`);
}

async function signUpOperator(apiUrl: string, handle: string): Promise<OperatorAccount> {
  const response = await fetch(`${apiUrl}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, role: 'operator' }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    apiKey?: string;
    error?: { code?: string; message?: string };
  };
  if (!response.ok || typeof body.apiKey !== 'string') {
    const why = body.error ? `${body.error.code}: ${body.error.message}` : `status ${response.status}`;
    throw new Error(`Could not sign up operator ${handle} (${why}). Sign-up must be open (SIGNUP_OPEN).`);
  }
  return { handle, apiKey: body.apiKey };
}
