export * from './key-file';
export * from './local-node';
export * from './network.module';
export * from './nodes.repository';
