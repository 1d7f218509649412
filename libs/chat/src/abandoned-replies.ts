import { Injectable, Logger } from '@nestjs/common';
import { ConversationsRepository } from '@app/conversations';
import type { Message } from '@app/database';
import { ConversationLock } from './conversation-lock';
import { REPLY_DEAD_AFTER_MS, ReplyHeartbeat } from './reply-heartbeat';

const SWEEP_LIMIT = 200;

/**
 * Replies left `streaming` by an api that died. Settling one fails it and frees its conversation at once, not after
 * the lock's TTL: on conversation:join, or in the worker's sweep for replies nobody rejoins.
 */
@Injectable()
export class AbandonedReplies {
  private readonly logger = new Logger(AbandonedReplies.name);

  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly heartbeat: ReplyHeartbeat,
    private readonly lock: ConversationLock,
  ) {}

  /** The message as a resuming client should see it: failed if it was abandoned, re-read if it ended meanwhile. */
  async settle<T extends Message>(message: T): Promise<T> {
    if (message.status !== 'streaming') return message;
    if (Date.now() - message.createdAt.getTime() < REPLY_DEAD_AFTER_MS) return message;
    if (await this.heartbeat.isAlive(message.id)) return message;
    if (await this.conversations.failAbandonedReply(message.id)) {
      this.logger.warn(`Reply ${message.id} was abandoned by an api that stopped; marked failed`);
      await this.freeConversation(message.conversationId);
      return { ...message, status: 'failed' };
    }
    const ended = await this.conversations.findMessage(message.id);
    return ended ? { ...message, status: ended.status, content: ended.content } : message;
  }

  async sweep(): Promise<number> {
    const stale = await this.conversations.findStreamingBefore(
      new Date(Date.now() - REPLY_DEAD_AFTER_MS),
      SWEEP_LIMIT,
    );
    let failed = 0;
    for (const message of stale) if ((await this.settle(message)).status === 'failed') failed++;
    return failed;
  }

  // The lock may belong to another reply that is alive (taken after the dead one's lock expired): then it stays.
  private async freeConversation(conversationId: string): Promise<void> {
    const streaming = await this.conversations.findStreamingIn(conversationId);
    const alive = await Promise.all(streaming.map((m) => this.heartbeat.isAlive(m.id)));
    if (alive.some(Boolean)) return;
    await this.lock.releaseAbandoned(conversationId, REPLY_DEAD_AFTER_MS);
  }
}
