export * from './artifact-store';
export * from './hub-artifacts.service';
export * from './hub-publish.errors';
export * from './hub-publish.module';
export * from './hub-publish.service';
export * from './model-name';
