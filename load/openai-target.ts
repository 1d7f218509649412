import { io, Socket } from 'socket.io-client';
import { mapLimit, readError } from './http';
import type { ProofTracker, ProofUpdate } from './proofs';
import type { LoadUser, ReadyConversation } from './setup';
import { SetupError } from './setup';
import { readSse } from './sse';
import type { ChatTarget, TurnRequest } from './target';

// The chat.completion.chunk fields this client reads, plus the platform's additions on the final chunk.
interface CompletionChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { completion_tokens?: number };
  inference_id?: string;
  error?: { code?: string; message?: string };
}

/**
 * POST /v1/chat/completions with stream: true over fetch, as an OpenAI client does, continuing conversations made
 * beforehand (X-Conversation-Id). The "ack" is the response headers: sent once the turn is accepted, as socket.io's.
 */
export class OpenAiTarget implements ChatTarget {
  readonly kind = 'openai';
  private readonly counts: Record<string, number> = {};

  private constructor(
    private readonly url: string,
    private readonly slug: string,
    private readonly listeners?: ProofListeners,
  ) {}

  static async open(
    url: string,
    slug: string,
    users: readonly LoadUser[],
    concurrency: number,
    proofs?: ProofTracker,
  ): Promise<OpenAiTarget> {
    const listeners = proofs ? await ProofListeners.open(url, users, concurrency, proofs) : undefined;
    return new OpenAiTarget(url, slug, listeners);
  }

  startConversation(conversation: ReadyConversation): void {
    this.listeners?.watch(conversation);
  }

  async turn({ conversation, user, content, timeline, timeoutMs }: TurnRequest): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      timeline.sentAt = performance.now();
      const response = await fetch(`${this.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${user.apiKey}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'x-conversation-id': conversation.conversationId,
        },
        body: JSON.stringify({ model: this.slug, messages: [{ role: 'user', content }], stream: true }),
        signal: abort.signal,
      });
      timeline.ackAt = performance.now();
      if (!response.ok) {
        const error = await readError(response);
        timeline.error = error.code;
        timeline.errorMessage = error.message;
        return;
      }
      timeline.inferenceId = response.headers.get('x-inference-id') ?? undefined;
      if (!response.body) {
        timeline.error = 'STREAM_ENDED';
        return;
      }
      for await (const event of readSse(response.body)) {
        const at = performance.now();
        if (event.data === '[DONE]') break;
        let chunk: CompletionChunk;
        try {
          chunk = JSON.parse(event.data) as CompletionChunk;
        } catch {
          this.count('unparseable chunk');
          continue;
        }
        if (chunk.error) {
          timeline.error = chunk.error.code ?? 'STREAM_ERROR';
          timeline.errorMessage = chunk.error.message;
          break;
        }
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) timeline.tokenAt.push(at);
        if (choice?.finish_reason) {
          timeline.doneAt = at;
          timeline.usageTokens = chunk.usage?.completion_tokens;
          timeline.inferenceId = chunk.inference_id ?? timeline.inferenceId;
        }
      }
      if (timeline.doneAt === undefined) timeline.error ??= 'STREAM_ENDED';
    } catch (error) {
      if (timeline.error === undefined) {
        timeline.error = abort.signal.aborted ? 'TIMEOUT' : 'NETWORK';
        // fetch says only "fetch failed"; the reason (ECONNRESET, …) is in its cause.
        const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
        timeline.errorMessage = `${error instanceof Error ? error.message : String(error)}${cause?.code ? ` (${cause.code})` : ''}`;
      }
    } finally {
      clearTimeout(timer);
      timeline.endedAt = performance.now();
    }
  }

  private count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  anomalies(): Record<string, number> {
    return { ...this.counts, ...this.listeners?.anomalies() };
  }

  close(): Promise<void> {
    this.listeners?.close();
    return Promise.resolve();
  }
}

/** proof:update is socket.io-only; this socket also gets the tokens (more fan-out), so --proofs runs measure proofs. */
class ProofListeners {
  private readonly counts: Record<string, number> = {};

  private constructor(private readonly sockets: Socket[]) {}

  static async open(
    url: string,
    users: readonly LoadUser[],
    concurrency: number,
    proofs: ProofTracker,
  ): Promise<ProofListeners> {
    const sockets: Socket[] = [];
    try {
      await mapLimit(users, concurrency, async (user, i) => {
        const socket = io(`${url}/chat`, {
          auth: { token: user.apiKey },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        sockets[i] = socket;
        socket.on('proof:update', (e: ProofUpdate) => proofs.update(e, performance.now()));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
      });
    } catch (error) {
      sockets.forEach((s) => s.close());
      throw new SetupError(
        `Could not open the proof-listening sockets: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return new ProofListeners(sockets);
  }

  watch(conversation: ReadyConversation): void {
    const socket = this.sockets[conversation.userIndex];
    socket
      ?.timeout(10_000)
      .emitWithAck('conversation:join', { conversationId: conversation.conversationId })
      .then((ack: { ok?: boolean }) => {
        if (!ack.ok)
          this.counts['conversation:join refused'] = (this.counts['conversation:join refused'] ?? 0) + 1;
      })
      .catch(() => {
        this.counts['conversation:join timed out'] = (this.counts['conversation:join timed out'] ?? 0) + 1;
      });
  }

  anomalies(): Record<string, number> {
    return { ...this.counts };
  }

  close(): void {
    this.sockets.forEach((s) => s.close());
  }
}
