import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import { ValidationError } from '@app/common';
import type { Conversation, Message } from '@app/database';
import { PersonasService } from '@app/personas';
import { RateLimiter } from '@app/rate-limit';
import { ConversationNotFoundError } from './conversations.errors';
import { ConversationsRepository } from './conversations.repository';

export interface MessageView {
  id: string;
  role: Message['role'];
  content: string;
  status: Message['status'];
  createdAt: Date;
}

export interface ConversationView {
  id: string;
  personaId: string;
  personaVersion: number;
  createdAt: Date;
  messages: MessageView[];
}

/** SillyTavern's macros, as far as a greeting needs them. */
export function fillNames(text: string, names: { char: string; user: string }): string {
  return text.replace(/\{\{char\}\}/gi, names.char).replace(/\{\{user\}\}/gi, names.user);
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly personas: PersonasService,
    private readonly limiter: RateLimiter,
  ) {}

  /** Pins the persona's current version; capped here, where POST /v1/conversations and the OpenAI endpoint pass. */
  async start(
    caller: AuthUser,
    personaIdOrSlug: string,
    { greet = true }: { greet?: boolean } = {},
  ): Promise<ConversationView> {
    // Fails open, as the HTTP limit does: starting a conversation needs only Postgres.
    await this.limiter.enforce('conversationStart', caller.id, 'allow');
    const persona = await this.personas.findReadable(caller, personaIdOrSlug);
    const [version] = persona.versions;
    if (!version) throw new Error(`persona ${persona.id} has no version`);
    const content = version.content as { name?: string; firstMessage?: string };
    const greeting =
      greet && content.firstMessage
        ? fillNames(content.firstMessage, { char: content.name ?? persona.name, user: caller.handle })
        : null;
    const conversation = await this.conversations.createWithGreeting({
      personaId: persona.id,
      personaVersionId: version.id,
      userId: caller.id,
      greeting,
    });
    return {
      ...toConversationView(conversation, version.version),
      messages: conversation.messages.map(toMessageView),
    };
  }

  async requireParticipant(caller: AuthUser, conversationId: string): Promise<Conversation> {
    const conversation = await this.conversations.findForUser(conversationId, caller.id);
    if (!conversation) throw new ConversationNotFoundError(conversationId);
    return conversation;
  }

  /** A page of history, oldest first, ending just before `before` (or at the newest message). */
  async messages(
    caller: AuthUser,
    conversationId: string,
    page: { before?: string; limit: number },
  ): Promise<{ data: MessageView[]; nextBefore: string | null }> {
    await this.requireParticipant(caller, conversationId);
    let anchor: Message | null = null;
    if (page.before) {
      anchor = await this.conversations.findMessage(page.before, conversationId);
      if (!anchor) throw new ValidationError('before must be the id of a message in this conversation');
    }
    const rows = await this.conversations.messagesBefore(conversationId, anchor, page.limit + 1);
    const pageRows = rows.slice(0, page.limit);
    const oldest = pageRows.at(-1);
    return {
      data: pageRows.reverse().map(toMessageView),
      nextBefore: rows.length > page.limit && oldest ? oldest.id : null,
    };
  }
}

function toConversationView(
  conversation: Conversation,
  personaVersion: number,
): Omit<ConversationView, 'messages'> {
  return {
    id: conversation.id,
    personaId: conversation.personaId,
    personaVersion,
    createdAt: conversation.createdAt,
  };
}

export function toMessageView(message: Message): MessageView {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    status: message.status,
    createdAt: message.createdAt,
  };
}
