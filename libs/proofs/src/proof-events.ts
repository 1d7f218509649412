import { Injectable } from '@nestjs/common';
import { RealtimePublisher } from '@app/realtime';
import type { ProofUpdateEvent } from '@app/realtime';

/**
 * The worker's `proof:update`s to a reply's conversation room, on every api instance (see libs/realtime).
 * Fire and forget: a client that misses an update reads the inference's status over HTTP.
 */
@Injectable()
export class ProofEvents {
  constructor(private readonly realtime: RealtimePublisher) {}

  update(event: ProofUpdateEvent): void {
    this.realtime.toConversation(event.conversationId, 'proof:update', event);
  }
}
