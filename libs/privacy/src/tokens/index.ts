// Pure parts of Privacy Pass tokens (no Nest): `@app/privacy/tokens`. The Nest module is `./tokens.module`.
export * from './blind-rsa';
export * from './token';
export * from './token-client';
