export * from './constants';
export * from './errors';
export * from './key-config';
export * from './ohttp';
export * from './chunked';
export * from './bhttp';
export { encodeVarint } from './varint';
