export * from './key-file';
export * from './local-node';
export * from './network.module';
export * from './nodes.repository';
export * from './inference-node';
export * from './remote-node.client';
export * from './router-identity';
