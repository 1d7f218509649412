export * from './api-forwarder';
export * from './gateway-keyring';
export * from './gateway-proof';
export * from './key-binding';
export * from './ohttp-gateway';
export * from './private-routes';
export * from './seen-requests';
