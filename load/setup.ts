import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadOptions } from './args';
import { ApiError, callApi, mapLimit } from './http';
import type { PlannedConversation } from './poisson';

export interface LoadUser {
  handle: string;
  apiKey: string;
}

export interface LoadPersona {
  id: string;
  slug: string;
  modelId?: string;
  created: boolean;
}

export interface ReadyConversation {
  plan: PlannedConversation;
  userIndex: number;
  conversationId: string;
}

export class SetupError extends Error {}

function hint(error: unknown, what: string): SetupError {
  if (error instanceof ApiError) {
    if (error.code === 'RATE_LIMITED' && what === 'sign up')
      return new SetupError(
        `Sign-up was rate limited (SIGNUP_RATE_LIMIT_PER_HOUR per client address, 30 by default). Start the ` +
          `platform with SIGNUP_RATE_LIMIT_PER_HOUR=100000, or reuse accounts with --keys-file. ${error.message}`,
      );
    if (error.code === 'SIGNUP_DISABLED')
      return new SetupError(
        `Sign-up is closed on this deployment: pass existing consumer keys with --keys-file. ${error.message}`,
      );
    if (error.code === 'UNAUTHENTICATED')
      return new SetupError(
        `A key was refused while trying to ${what}: a stale --keys-file or creator key (database reset?). ${error.message}`,
      );
    if (error.code === 'RATE_LIMITED')
      return new SetupError(
        `Rate limited while trying to ${what}: use more --users, or raise RATE_LIMIT_PER_MINUTE. ${error.message}`,
      );
  }
  return new SetupError(`Could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
}

function readKeysFile(path: string): LoadUser[] {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { users?: unknown };
  if (!Array.isArray(parsed.users)) throw new SetupError(`${path} has no "users" array.`);
  return parsed.users.filter(
    (u): u is LoadUser =>
      typeof (u as LoadUser).handle === 'string' && typeof (u as LoadUser).apiKey === 'string',
  );
}

/**
 * The consumer accounts: those in --keys-file first (after the first `userOffset`), the rest signed up now (and added
 * to the file).
 */
export async function prepareUsers(
  options: LoadOptions,
  count: number,
  runTag: string,
): Promise<{ users: LoadUser[]; signedUp: number }> {
  const known = options.keysFile ? readKeysFile(options.keysFile) : [];
  const available = known.slice(options.userOffset ?? 0);
  const missing = Math.max(0, count - available.length);
  let fresh: LoadUser[];
  try {
    fresh = await mapLimit(
      Array.from({ length: missing }, (_, i) => i),
      options.setupConcurrency,
      async (i) => {
        const user = await callApi<{ handle: string; apiKey: string }>(options.url, 'POST', '/v1/users', {
          body: { handle: `load-${runTag}-${i}`, role: 'consumer' },
        });
        return { handle: user.handle, apiKey: user.apiKey };
      },
    );
  } catch (error) {
    throw hint(error, 'sign up');
  }
  if (options.keysFile && fresh.length > 0) {
    mkdirSync(dirname(options.keysFile), { recursive: true });
    // API keys are credentials: readable by their owner only.
    writeFileSync(options.keysFile, JSON.stringify({ users: [...known, ...fresh] }, null, 2) + '\n', {
      mode: 0o600,
    });
  }
  return { users: [...available, ...fresh].slice(0, count), signedUp: fresh.length };
}

function creatorKey(options: LoadOptions): string | undefined {
  if (options.creatorKey) return options.creatorKey;
  if (!existsSync(options.creatorKeyFile)) return undefined;
  const parsed = JSON.parse(readFileSync(options.creatorKeyFile, 'utf8')) as { apiKey?: unknown };
  return typeof parsed.apiKey === 'string' ? parsed.apiKey : undefined;
}

/** The persona named by --persona, or a new unlisted one (kept out of public search) made with the creator key. */
export async function preparePersona(
  options: LoadOptions,
  consumerKey: string,
  runTag: string,
): Promise<LoadPersona> {
  if (options.persona) {
    try {
      const found = await callApi<{ id: string; slug: string; modelId?: string }>(
        options.url,
        'GET',
        `/v1/personas/${encodeURIComponent(options.persona)}`,
        { key: consumerKey },
      );
      return { id: found.id, slug: found.slug, modelId: found.modelId, created: false };
    } catch (error) {
      throw hint(error, `find persona ${options.persona}`);
    }
  }
  const key = creatorKey(options);
  if (!key)
    throw new SetupError(
      `No persona to chat with: pass --persona SLUG, or a creator key (--creator-key, TWINPROOF_CREATOR_KEY, ` +
        `or ${options.creatorKeyFile}, which npm start writes).`,
    );
  try {
    const created = await callApi<{ id: string; slug: string; modelId?: string }>(
      options.url,
      'POST',
      '/v1/personas',
      {
        key,
        body: {
          name: `Load test ${runTag}`,
          description: 'Created by load/chat-load.ts.',
          personality: 'brisk, friendly',
          firstMessage: 'Hi! What shall we talk about?',
          tags: ['load-test'],
          visibility: 'unlisted',
          ...(options.modelId ? { modelId: options.modelId } : {}),
          ...(options.verification ? { verification: options.verification } : {}),
        },
      },
    );
    return { id: created.id, slug: created.slug, modelId: created.modelId, created: true };
  } catch (error) {
    throw hint(error, 'create a persona');
  }
}

/** Made before the clock starts, so TTFT excludes creating them; round-robin over users, for an even share each. */
export async function prepareConversations(
  options: LoadOptions,
  users: readonly LoadUser[],
  persona: LoadPersona,
  planned: readonly PlannedConversation[],
): Promise<ReadyConversation[]> {
  try {
    return await mapLimit(planned, options.setupConcurrency, async (plan) => {
      const userIndex = plan.index % users.length;
      const conversation = await callApi<{ id: string }>(options.url, 'POST', '/v1/conversations', {
        key: users[userIndex]?.apiKey,
        body: { personaId: persona.id },
      });
      return { plan, userIndex, conversationId: conversation.id };
    });
  } catch (error) {
    throw hint(error, 'create the conversations');
  }
}
