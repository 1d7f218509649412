export * from './api-key';
export * from './auth-user';
export * from './auth.errors';
export * from './auth.guard';
export * from './auth.module';
export * from './decorators';
export * from './users.service';
export * from './private-sessions';
