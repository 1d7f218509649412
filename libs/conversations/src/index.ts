export * from './conversations.errors';
export * from './conversations.module';
export * from './conversations.repository';
export * from './conversations.service';
