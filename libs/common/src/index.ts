export * from './domain-error';
export * from './http-status';
export * from './error-body';
export * from './all-exceptions.filter';
export * from './validation.pipe';
export * from './request-context';
export * from './app-logger';
export * from './json-body';
