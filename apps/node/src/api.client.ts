import { Inject, Injectable } from '@nestjs/common';
import type {
  NodeHeartbeatRequest,
  NodeHeartbeatResponse,
  NodeRegistrationRequest,
  NodeRegistrationResponse,
} from '@app/node-protocol';
import type { NodeOptions } from './node-options';
import { NODE_OPTIONS } from './node.tokens';

/** The api answered with an error (status 0: it could not be reached). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const CALL_TIMEOUT_MS = 10_000;

/** The calls a node makes to the api: who its operator is, registration, heartbeats. */
@Injectable()
export class ApiClient {
  constructor(@Inject(NODE_OPTIONS) private readonly options: NodeOptions) {}

  me(): Promise<{ id: string; handle: string; role: string }> {
    return this.call('GET', '/v1/me', undefined, true);
  }

  register(body: NodeRegistrationRequest): Promise<NodeRegistrationResponse> {
    return this.call('POST', '/v1/nodes', body, true);
  }

  heartbeat(nodeId: string, body: NodeHeartbeatRequest): Promise<NodeHeartbeatResponse> {
    return this.call('POST', `/v1/nodes/${encodeURIComponent(nodeId)}/heartbeat`, body, false);
  }

  private async call<T>(method: string, path: string, body: unknown, withKey: boolean): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (withKey) headers.authorization = `Bearer ${this.options.operatorKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.options.apiUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new ApiCallError(
        0,
        'UNREACHABLE',
        `The api at ${this.options.apiUrl} could not be reached: ${reason}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
      ?.error;
    throw new ApiCallError(
      response.status,
      typeof error?.code === 'string' ? error.code : 'HTTP_ERROR',
      `${method} ${path}: ${response.status} ${typeof error?.message === 'string' ? error.message : text.slice(0, 200)}`,
      error?.details,
    );
  }
}
