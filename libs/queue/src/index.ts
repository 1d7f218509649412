export * from './queue-names';
export * from './queue-options';
export * from './queue.module';
