export * from './completion-body';
export * from './messages';
export * from './probe';
export * from './protocol.types';
export * from './sse';
export * from './verify-node-receipt';
