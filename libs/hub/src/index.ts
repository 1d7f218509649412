export * from './hub.module';
