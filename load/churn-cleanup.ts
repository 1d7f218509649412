import { existsSync, readFileSync } from 'node:fs';
import type { LoadOptions } from './args';
import type { LoadPersona } from './setup';

/**
 * The creator key preparePersona used (--creator-key, else the key file npm start writes): the same rule as
 * load/setup.ts, whose helper is private there.
 */
function creatorKey(options: LoadOptions): string | undefined {
  if (options.creatorKey) return options.creatorKey;
  if (!existsSync(options.creatorKeyFile)) return undefined;
  const parsed = JSON.parse(readFileSync(options.creatorKeyFile, 'utf8')) as { apiKey?: unknown };
  return typeof parsed.apiKey === 'string' ? parsed.apiKey : undefined;
}

/**
 * Deletes the persona the run made (not one named with --persona). Left behind, it stays live with a model only the
 * run's nodes served, so GET /v1/network warns `unserved` for it long after. Deleting is soft: its conversations
 * and receipts stay verifiable. Resolves with a sentence for the log; never throws, the figures matter more.
 */
export async function deleteRunPersona(options: LoadOptions, persona: LoadPersona): Promise<string> {
  if (!persona.created) return `kept persona ${persona.slug} (given with --persona)`;
  const key = creatorKey(options);
  const url = `${options.url}/v1/personas/${encodeURIComponent(persona.id)}`;
  try {
    const response = await fetch(url, {
      method: 'DELETE',
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 204) return `deleted persona ${persona.slug}`;
    return `could not delete persona ${persona.slug}: DELETE ${url} answered ${response.status}`;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `could not delete persona ${persona.slug}: DELETE ${url} failed (${reason})`;
  }
}
