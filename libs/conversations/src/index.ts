// Transitional, until chat imports buildPrompt from @app/prompt: prompt assembly is its own library now.
export { buildPrompt } from '@app/prompt';
export * from './conversations.errors';
export * from './conversations.module';
export * from './conversations.repository';
export * from './conversations.service';
