export * from './chat.module';
export * from './chat.service';
export * from './send.types';
export * from './abandoned-replies';
export * from './reply-listener';
