import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import { guardedLookup, literalAddress, refusesGatewayAddress } from './gateway-address';
import { GATEWAY_RESPONSE_TYPES, mediaType, sendError } from './relay-http';

export interface ForwarderOptions {
  relayId?: string;
  maxBody: number;
  /** Whether a gateway may be on a loopback, private or link-local address (see gateway-address.ts). */
  allowPrivateGateways: boolean;
  /** With no byte either way for this long, the exchange is given up (default 5 minutes: a slow model's first token). */
  idleTimeoutMs?: number;
}

/**
 * Streams one encapsulated request to its gateway and the answer back, on node:http rather than fetch: fetch adds a
 * user-agent and buffers nothing less than it must, while here every header sent is one written below.
 */
export class GatewayForwarder {
  // Connections to the gateways are reused: a TLS handshake per private message would double its latency.
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  private readonly lookup: ReturnType<typeof guardedLookup>;

  constructor(private readonly options: ForwarderOptions) {
    this.lookup = guardedLookup(options.allowPrivateGateways);
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  forward(req: IncomingMessage, res: ServerResponse, target: URL, contentType: string): void {
    const { maxBody, allowPrivateGateways } = this.options;
    const address = literalAddress(target);
    // Node connects to an address literal without a lookup; the client learns no more than from a gateway that is down.
    if (address !== undefined && refusesGatewayAddress(address, allowPrivateGateways))
      return sendError(req, res, 502, 'GATEWAY_UNREACHABLE', 'The gateway could not be reached.');
    // Only what the gateway needs to read the body, and who relayed it: nothing about the client (no address, no
    // user-agent, no cookie, no X-Forwarded-For). Node adds Host, Connection and, without a length, chunked framing.
    const headers: OutgoingHttpHeaders = { 'content-type': contentType };
    const length = req.headers['content-length'];
    if (length !== undefined) headers['content-length'] = length;
    if (this.options.relayId !== undefined) headers['twinproof-relay'] = this.options.relayId;
    const secure = target.protocol === 'https:';
    const upstream = (secure ? https : http).request(target, {
      method: 'POST',
      headers,
      agent: this.agents[secure ? 'https:' : 'http:'],
      lookup: this.lookup,
    });

    let settled = false;
    let answered = false;
    const fail = (
      status: number,
      code: 'PAYLOAD_TOO_LARGE' | 'GATEWAY_UNREACHABLE' | 'GATEWAY_TIMEOUT',
      message: string,
    ): void => {
      if (settled) return;
      settled = true;
      upstream.destroy();
      if (res.headersSent) res.destroy();
      else sendError(req, res, status, code, message);
    };

    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      // Counted as it streams: a chunked request has no length to check beforehand.
      if (received > maxBody) return fail(413, 'PAYLOAD_TOO_LARGE', `The body is over ${maxBody} bytes.`);
      if (!upstream.write(chunk)) req.pause();
    });
    upstream.on('drain', () => req.resume());
    req.on('end', () => {
      if (!settled) upstream.end();
    });
    // The client went away before its answer was complete: the gateway's work is for nobody.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });

    upstream.setTimeout(this.options.idleTimeoutMs ?? 300_000, () =>
      answered ? upstream.destroy() : fail(504, 'GATEWAY_TIMEOUT', 'The gateway did not answer in time.'),
    );
    upstream.on('error', () => {
      // Once the answer has started, its own stream reports a cut (below); a write the gateway no longer reads is not one.
      if (!answered) fail(502, 'GATEWAY_UNREACHABLE', 'The gateway could not be reached.');
    });
    upstream.on('response', (answer: IncomingMessage) => {
      answered = true;
      if (settled) return void answer.resume();
      const type = answer.headers['content-type'];
      if (type === undefined || !GATEWAY_RESPONSE_TYPES.has(mediaType(type) ?? '')) {
        answer.resume();
        settled = true;
        upstream.destroy();
        sendError(
          req,
          res,
          502,
          'GATEWAY_INVALID_RESPONSE',
          'The gateway answered with an unexpected media type.',
        );
        return;
      }
      const back: OutgoingHttpHeaders = { 'content-type': type };
      const answerLength = answer.headers['content-length'];
      if (answerLength !== undefined) back['content-length'] = answerLength;
      res.writeHead(answer.statusCode ?? 502, back);
      // A chunked answer's first bytes go out as they come: the client is waiting for its first token.
      res.flushHeaders();
      pipeline(answer, res, (error) => {
        // A cut answer reaches the client as a cut connection (its chunked decoder reports TRUNCATED), never as an
        // answer that merely ended early.
        if (error) {
          upstream.destroy();
          res.destroy();
        }
      });
    });
  }
}
