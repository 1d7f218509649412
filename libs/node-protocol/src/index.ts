export * from './messages';
export * from './verify-node-receipt';
