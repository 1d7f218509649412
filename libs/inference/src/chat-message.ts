// The message list sent to a model: what the prompt pipeline produces, what providers consume, and (canonicalised
// with RFC 8785) what a receipt's inputHash covers. Keep it this small.
export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}
