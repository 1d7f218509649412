import type { RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { runInLogContext } from './log-context';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's X-Request-Id when it is sane, else a fresh one; either way the response says which. */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  return requestId;
}

/**
 * One line per request when its response ends (warn for a 5xx), and the request's id on every line logged while
 * it runs. Only the method, the path and the status are logged: headers hold keys and cookies, query strings and
 * bodies hold users' words.
 */
export function requestLogging(logger: Logger): RequestHandler {
  const http = pinoHttp({
    logger,
    genReqId: requestIdOf,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage) => ({ method: req.method, url: req.url?.split('?', 1)[0] }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'info'),
    // The filter logs a failure's stack under its errorId; this line only says which request it was.
    customSuccessObject: (req, _res, fields: object) => ({ requestId: req.id, ...fields }),
    customErrorObject: (req, res, _error, fields: { responseTime: number }) => ({
      requestId: req.id,
      res: { statusCode: res.statusCode },
      responseTime: fields.responseTime,
    }),
    autoLogging: { ignore: (req) => req.url === '/health' },
  });
  return (req, res, next) => http(req, res, () => runInLogContext({ requestId: req.id as string }, next));
}
