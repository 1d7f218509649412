import { AppConfig } from '@app/config';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { IncomingMessage } from 'node:http';

/**
 * One CORS policy for HTTP and socket.io (CORS_ORIGINS). Over HTTP a disallowed origin just gets no
 * Access-Control-Allow-Origin, so the browser keeps the answer from the page; socket.io refuses the handshake,
 * because a websocket is not covered by CORS at all.
 */
export class CorsPolicy {
  private readonly publicOrigin: string;

  constructor(config: AppConfig) {
    this.origin = config.corsOrigins;
    this.publicOrigin = new URL(config.publicUrl).origin;
  }

  readonly origin: boolean | string[];

  get options(): CorsOptions {
    return {
      origin: this.origin,
      // Bearer keys, never cookies: nothing is sent with credentials.
      credentials: false,
      exposedHeaders: ['X-Request-Id', 'X-Inference-Id'],
      maxAge: 600,
    };
  }

  /** Clients without an Origin (servers, CLIs) and pages served by this api itself are not cross-origin. */
  allowsHandshake(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || this.origin === true) return true;
    if (origin === this.publicOrigin || sameHost(origin, request.headers.host)) return true;
    return Array.isArray(this.origin) && this.origin.includes(origin);
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
