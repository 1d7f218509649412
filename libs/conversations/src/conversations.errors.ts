import { NotFoundError } from '@app/common';

/** Also what a non-participant gets: whether a conversation exists is nobody else's business. */
export class ConversationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Conversation', id);
  }
}
