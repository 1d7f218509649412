export * from './completion-body';
export * from './messages';
export * from './protocol.types';
export * from './sse';
export * from './verify-node-receipt';
