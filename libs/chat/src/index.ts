export * from './chat-events';
export * from './chat.module';
export * from './chat.service';
