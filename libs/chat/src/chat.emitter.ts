import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { rooms, ServerToClientEvents } from '@app/realtime';

/** What the rest of the code uses to reach clients; only the gateway holds the socket.io server. */
@Injectable()
export class ChatEmitter {
  private server?: Namespace<Record<string, never>, ServerToClientEvents>;

  attach(server: Namespace<Record<string, never>, ServerToClientEvents>): void {
    this.server = server;
  }

  toConversation<E extends keyof ServerToClientEvents>(
    conversationId: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void {
    this.server?.to(rooms.conversation(conversationId)).emit(event, ...args);
  }
}
