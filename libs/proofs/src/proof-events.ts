import { Injectable } from '@nestjs/common';
import { RealtimePublisher } from '@app/realtime';
import type { ProofUpdateEvent } from '@app/realtime';

/** Fire and forget, to every api instance: a client that misses an update reads the inference's status over HTTP. */
@Injectable()
export class ProofEvents {
  constructor(private readonly realtime: RealtimePublisher) {}

  update(event: ProofUpdateEvent): void {
    this.realtime.toConversation(event.conversationId, 'proof:update', event);
  }
}
