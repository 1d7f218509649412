import { AIMessage, BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatMessage } from './chat-message';

export function toLangChainMessages(messages: readonly ChatMessage[]): BaseMessage[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return new SystemMessage(message.content);
      case 'user':
        return new HumanMessage(message.content);
      case 'assistant':
        return new AIMessage(message.content);
    }
  });
}

// Tool and function messages have no place in persona chat; they are dropped rather than guessed at.
export function fromLangChainMessages(messages: readonly BaseMessage[]): ChatMessage[] {
  const result: ChatMessage[] = [];
  for (const message of messages) {
    const type = message.getType();
    if (type === 'system') result.push({ role: 'system', content: message.text });
    else if (type === 'human') result.push({ role: 'user', content: message.text });
    else if (type === 'ai') result.push({ role: 'assistant', content: message.text });
  }
  return result;
}
