export * from './memory.errors';
export * from './memory.module';
export * from './memory.repository';
export * from './memory.service';
