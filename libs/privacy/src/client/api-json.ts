import { PrivateChatError } from './private-chat.errors';
import type { FetchLike } from './sealed-exchange';

/** A JSON request to the api itself (directory, tokens): these requests are not private and need not be. */
export async function apiJson<T>(
  fetcher: FetchLike,
  apiUrl: string,
  path: string,
  init: RequestInit = {},
  failCode = 'DIRECTORY_UNAVAILABLE',
): Promise<T> {
  const url = `${apiUrl}${path}`;
  let response: Response;
  try {
    response = await fetcher(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PrivateChatError(
      failCode,
      `Could not reach the api at ${apiUrl} (${cause?.code ?? cause?.message ?? String(error)}).`,
    );
  }
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string };
  } | null;
  if (!response.ok)
    throw new PrivateChatError(
      body?.error?.code ?? failCode,
      `${url} answered ${response.status}: ${body?.error?.message ?? 'no details'}`,
      'api',
      response.status,
    );
  if (body === null) throw new PrivateChatError(failCode, `${url} answered with no JSON body.`, 'api');
  return body as T;
}
