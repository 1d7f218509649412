import { Logger, OnModuleDestroy, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AuthUser, PrivateSessionKeyError, UsersService } from '@app/auth';
import { AppConfig } from '@app/config';
import { LogContextInterceptor, renderError } from '@app/common';
import { clientAddress, RateLimiter, SocketEventGuard } from '@app/rate-limit';
import { Ack, CHAT_NAMESPACE, rooms, ServerToClientEvents } from '@app/realtime';
import type { Namespace, Socket } from 'socket.io';
import { parseCancel, parseJoin, parseSend } from './chat-payloads';
import { ChatEmitter } from './chat.emitter';
import { ChatService } from './chat.service';
import { Resumed, ReplyResume } from './reply-resume';
import { MonitoredSocket, SlowClientMonitor } from './slow-client-monitor';

const SLOW_CLIENT_SWEEP_MS = 1_000;

/** The events a /chat client may send (docs/asyncapi.yaml); anything else is answered with VALIDATION_FAILED. */
const ClientEvent = {
  send: 'message:send',
  cancel: 'message:cancel',
  join: 'conversation:join',
} as const;

type ChatSocket = Socket<
  Record<string, never>,
  ServerToClientEvents,
  Record<string, never>,
  { user: AuthUser }
>;

const ackLogger = new Logger('ChatGateway');

async function acked<T extends object>(run: () => Promise<T>): Promise<Ack<T>> {
  try {
    return { ok: true, ...(await run()) };
  } catch (error) {
    const { body, errorId } = renderError(error);
    // As the HTTP filter does: the client gets an error id, the log gets the stack under that id.
    if (errorId)
      ackLogger.error(`Unexpected error ${errorId}`, error instanceof Error ? error.stack : String(error));
    return { ok: false, error: body.error };
  }
}

// A socket joins a conversation's room only once the service has found the caller a participant. CORS: the api's
// one policy (CORS_ORIGINS), applied by its socket.io adapter.
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
@UseInterceptors(LogContextInterceptor)
export class ChatGateway implements OnGatewayInit, OnModuleDestroy {
  private readonly logger = new Logger(ChatGateway.name);
  private readonly slowClients: SlowClientMonitor;
  private slowClientSweep?: NodeJS.Timeout;

  constructor(
    private readonly users: UsersService,
    private readonly chat: ChatService,
    private readonly resume: ReplyResume,
    private readonly emitter: ChatEmitter,
    private readonly limiter: RateLimiter,
    private readonly events: SocketEventGuard,
    private readonly config: AppConfig,
  ) {
    this.slowClients = new SlowClientMonitor({
      maxQueuedPackets: config.limits.chatMaxQueuedPackets,
      maxBufferedBytes: config.limits.chatMaxBufferedBytes,
    });
  }

  afterInit(namespace: Namespace<Record<string, never>, ServerToClientEvents>): void {
    this.emitter.attach(namespace);
    this.slowClientSweep = setInterval(
      () => this.slowClients.sweep(namespace.sockets.values() as Iterable<MonitoredSocket>),
      SLOW_CLIENT_SWEEP_MS,
    );
    this.slowClientSweep.unref();
    namespace.use((socket: ChatSocket, next) => {
      this.authenticate(socket)
        .then(() => next())
        .catch((error: unknown) => {
          const { body } = renderError(error);
          next(Object.assign(new Error(body.error.message), { data: body.error }));
        });
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.slowClientSweep);
  }

  private async authenticate(socket: ChatSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown };
    const token = typeof auth.token === 'string' ? auth.token : '';
    // Counted by address before the key is looked up: a stream of made-up keys costs a bounded number of queries.
    await this.limiter.enforce('chatHandshake', clientAddress(socket.request, this.config.trustProxy));
    const user = await this.users.authenticate(token);
    // A private session's key reads its proofs over HTTP only: chatting on with it would be chat no token paid for.
    if (user.anonymous) throw new PrivateSessionKeyError();
    await this.limiter.enforce('chatConnect', user.id);
    socket.data.user = user;
    // Every event, before its handler runs: joins and cancels cost database work and must not be flooded.
    this.events.install(socket, { rule: 'chatEvent', subject: user.id, events: Object.values(ClientEvent) });
    // By key and by user, so that revoking the key (or deleting the user) can close this socket on any instance.
    await socket.join([rooms.user(user.id), rooms.apiKey(user.apiKeyId)]);
  }

  @SubscribeMessage(ClientEvent.send)
  send(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
  ): Promise<Ack<{ userMessageId: string; assistantMessageId: string }>> {
    return acked(async () => {
      const input = parseSend(payload);
      const accepted = await this.chat.send(socket.data.user, input, {
        authorized: async (conversationId) => {
          await socket.join(rooms.conversation(conversationId));
        },
      });
      accepted.reply.catch((error: unknown) =>
        this.logger.error(`Reply ${accepted.assistantMessageId} crashed`, String(error)),
      );
      return { userMessageId: accepted.userMessageId, assistantMessageId: accepted.assistantMessageId };
    });
  }

  @SubscribeMessage(ClientEvent.cancel)
  cancel(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() payload: unknown,
  ): Promise<Ack<{ cancelled: boolean }>> {
    return acked(async () => ({
      cancelled: await this.chat.cancel(socket.data.user, parseCancel(payload).messageId),
    }));
  }

  @SubscribeMessage(ClientEvent.join)
  join(@ConnectedSocket() socket: ChatSocket, @MessageBody() payload: unknown): Promise<Ack<Resumed>> {
    return acked(() =>
      this.resume.resume(socket.data.user, parseJoin(payload), async (conversationId) => {
        await socket.join(rooms.conversation(conversationId));
      }),
    );
  }
}
