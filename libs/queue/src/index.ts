export * from './queue-names';
export * from './queue-options';
export * from './queue.module';
export * from './proof-jobs';
export * from './job-correlation';
