export * from './receipt.spec-types';
export * from './receipt-hashes';
export * from './receipt-signing';
export * from './takeover';
export * from './bundle';
export * from './verify';
