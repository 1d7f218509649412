/** A refused HTTP call, with the platform's error code (docs/api.md's `{ error: { code, message } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the error body of docs/api.md; anything else (a proxy's HTML page, say) becomes HTTP_<status>. */
export async function readError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string')
      return new ApiError(
        response.status,
        body.error.code,
        typeof body.error.message === 'string' ? body.error.message : '',
      );
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200));
}

export async function callApi<T>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) {
    const error = await readError(response);
    throw new ApiError(
      error.status,
      error.code,
      `${method} ${path}: ${error.status} ${error.code} ${error.message}`,
    );
  }
  return (await response.json()) as T;
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
