import { DomainError, ErrorCode, ValidationError } from '@app/common';
import type { ChatMessage } from '@app/inference';
import { MAX_MESSAGE_CHARS } from './chat.service';

/** More earlier turns than any prompt can hold: the token budget keeps only the most recent anyway. */
export const MAX_MESSAGES = 256;

export interface ClientConversation {
  content: string;
  history: ChatMessage[];
  /** The client's system and developer messages, joined by blank lines. */
  instructions?: string;
}

/**
 * Reads OpenAI's `messages` the way stateless clients use it: the whole conversation every time, the last message
 * being the user's new turn. Tool calls and tool results are refused, not dropped: this endpoint calls no tools.
 */
export function parseMessages(messages: unknown): ClientConversation {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new ValidationError('messages must be a non-empty array.', { param: 'messages' });
  if (messages.length > MAX_MESSAGES)
    throw new DomainError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `messages may hold at most ${MAX_MESSAGES} messages; older turns would not fit the prompt anyway.`,
      { param: 'messages' },
    );
  const system: string[] = [];
  const turns: ChatMessage[] = [];
  let lastRole: unknown;
  (messages as unknown[]).forEach((message, index) => {
    const param = `messages[${index}]`;
    if (typeof message !== 'object' || message === null)
      throw new ValidationError(`${param} must be a message object.`, { param });
    const {
      role,
      content,
      tool_calls: toolCalls,
      function_call: functionCall,
    } = message as Record<string, unknown>;
    if (role === 'tool' || role === 'function' || isPresent(toolCalls) || isPresent(functionCall))
      throw new ValidationError(
        `${param}: tool calls and tool results are not supported; this endpoint calls no tools.`,
        { param },
      );
    if (role !== 'system' && role !== 'developer' && role !== 'user' && role !== 'assistant')
      throw new ValidationError(`${param}.role must be system, developer, user or assistant.`, {
        param: `${param}.role`,
      });
    const text = textOf(content, `${param}.content`);
    lastRole = role;
    if (role === 'system' || role === 'developer') system.push(text);
    else turns.push({ role, content: text });
  });
  const last = turns.at(-1);
  if (!last || lastRole !== 'user')
    throw new ValidationError('The last of messages must be a user message: it is the new turn.', {
      param: 'messages',
    });
  // Each earlier turn, and the client's system text, is held to the size of a new message (checked by send).
  if (turns.slice(0, -1).some((turn) => turn.content.length > MAX_MESSAGE_CHARS))
    throw tooLarge('Each earlier message');
  const instructions = system.filter((part) => part.trim() !== '').join('\n\n');
  if (instructions.length > MAX_MESSAGE_CHARS) throw tooLarge('The system messages together');
  return {
    content: last.content,
    history: turns.slice(0, -1),
    instructions: instructions === '' ? undefined : instructions,
  };
}

// An empty list or a null is what many clients send for "none".
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function tooLarge(what: string): DomainError {
  return new DomainError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `${what} may have at most ${MAX_MESSAGE_CHARS} characters.`,
    { param: 'messages' },
  );
}

function textOf(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (p?.type !== 'text' || typeof p.text !== 'string')
          throw new ValidationError(`${param}: only text content parts are supported.`, { param });
        return p.text;
      })
      .join('');
  }
  throw new ValidationError(`${param} must be text.`, { param });
}
