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
