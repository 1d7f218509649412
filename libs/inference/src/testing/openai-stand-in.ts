import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

// A local stand-in for an OpenAI-compatible server (vLLM, llama.cpp, Ollama): just enough of
// POST /v1/chat/completions with `stream: true` to test a provider for real, over HTTP and SSE.

export type StandInBehaviour =
  /** Sends every token whatever max_tokens and stop say, as a misbehaving upstream would. */
  | { kind: 'reply'; tokens: string[]; finishReason?: 'stop' | 'length' }
  | { kind: 'fail'; status: number }
  /** Sends the first token, then never another byte, as a stuck upstream does. */
  | { kind: 'hang'; tokens: string[] };

export interface RecordedRequest {
  model: string;
  messages: { role: string; content: string }[];
  max_tokens?: number;
  stop?: string | string[];
  temperature?: number;
  top_p?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  response_format?: unknown;
  stream?: boolean;
}

export interface OpenAiStandIn {
  /** Ends in /v1, as clients expect of a base URL. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  /** The headers of each request, in the order of `requests`. */
  readonly headers: IncomingHttpHeaders[];
  behave(behaviour: StandInBehaviour): void;
  close(): Promise<void>;
}

function chunk(model: string, delta: { content?: string }, finishReason: string | null): string {
  const body = {
    id: 'chatcmpl-stand-in',
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

async function readJson(request: IncomingMessage): Promise<RecordedRequest> {
  let text = '';
  for await (const part of request) text += String(part);
  return JSON.parse(text) as RecordedRequest;
}

export async function startOpenAiStandIn(
  behaviour: StandInBehaviour = { kind: 'reply', tokens: ['Hello', ' world'] },
): Promise<OpenAiStandIn> {
  let current = behaviour;
  const requests: RecordedRequest[] = [];
  const headers: IncomingHttpHeaders[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"message":"not found"}}');
      return;
    }
    const body = await readJson(request);
    requests.push(body);
    headers.push(request.headers);
    if (current.kind === 'fail') {
      const error = { error: { message: `stand-in failure ${current.status}`, type: 'server_error' } };
      response.writeHead(current.status, { 'content-type': 'application/json' }).end(JSON.stringify(error));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const tokens = current.kind === 'hang' ? current.tokens.slice(0, 1) : current.tokens;
    for (const token of tokens) response.write(chunk(body.model, { content: token }, null));
    if (current.kind === 'hang') return;
    response.write(
      chunk(body.model, {}, current.kind === 'reply' ? (current.finishReason ?? 'stop') : 'stop'),
    );
    response.end('data: [DONE]\n\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    headers,
    behave: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections(); // hanging streams would otherwise keep close() waiting forever
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
