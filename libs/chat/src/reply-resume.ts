import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { ConversationNotFoundError, ConversationsRepository } from '@app/conversations';
import type { MessageStatus } from '@app/database';
import { isRedisOutage } from '@app/redis';
import { AbandonedReplies } from './abandoned-replies';
import { ChatUnavailableError } from './chat.errors';
import { ReplayBuffer } from './replay-buffer';

export interface ResumeInput {
  conversationId: string;
  messageId?: string;
  /** The last seq the client has of that reply; -1 for none. */
  afterSeq: number;
}

/** conversation:join's answer (docs/asyncapi.yaml): the reply's state and what the client missed of it. */
export interface Resumed {
  conversationId: string;
  messageId?: string;
  status?: MessageStatus;
  content?: string;
  missed?: { seq: number; delta: string }[];
}

@Injectable()
export class ReplyResume {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly abandoned: AbandonedReplies,
    private readonly replay: ReplayBuffer,
  ) {}

  async resume(
    user: AuthUser,
    input: ResumeInput,
    joinRoom: (conversationId: string) => Promise<void>,
  ): Promise<Resumed> {
    const conversation = await this.conversations.findForUser(input.conversationId, user.id);
    if (!conversation) throw new ConversationNotFoundError(input.conversationId);
    // Join first, then read the buffer: a token may then arrive twice (live and replayed), never zero times;
    // clients drop any seq they already have.
    await joinRoom(conversation.id);
    if (!input.messageId) return { conversationId: conversation.id };
    const found = await this.conversations.findMessage(input.messageId);
    if (!found || found.conversationId !== conversation.id)
      throw new ConversationNotFoundError(input.conversationId);
    const message = await this.abandoned.settle(found);
    const buffered = await this.replay.after(message.id, input.afterSeq).catch((error: unknown) => {
      throw isRedisOutage(error) ? new ChatUnavailableError() : error;
    });
    return {
      conversationId: conversation.id,
      messageId: message.id,
      status: message.status,
      content: message.status === 'streaming' ? undefined : message.content,
      missed: buffered.map((delta, i) => ({ seq: input.afterSeq + 1 + i, delta })),
    };
  }
}
