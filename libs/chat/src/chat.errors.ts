import { DomainError, ErrorCode, NotFoundError } from '@app/common';

export class ConversationBusyError extends DomainError {
  constructor() {
    super(
      ErrorCode.CONVERSATION_BUSY,
      'A reply is still streaming in this conversation; wait for message:done or cancel it.',
    );
  }
}

export class ServerStoppingError extends DomainError {
  constructor() {
    super(ErrorCode.SERVER_STOPPING, 'This server is stopping; reconnect and send your message again.');
  }
}

export class MessageNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Message', id);
  }
}

/** The persona was made private by its owner or deleted: the conversation stays readable, but is closed. */
export class PersonaUnavailableError extends DomainError {
  constructor(personaId: string) {
    super(
      ErrorCode.PERSONA_UNAVAILABLE,
      `Persona ${personaId} is no longer available: this conversation is closed for new messages; its history and your memories stay readable and exportable.`,
    );
  }
}

/** Redis (locks, limits, the replay buffer) cannot be reached: nothing was stored, the client may retry. */
export class ChatUnavailableError extends DomainError {
  constructor() {
    super(ErrorCode.UNAVAILABLE, 'Chat is briefly unavailable; nothing was stored, send again in a moment.');
  }
}
