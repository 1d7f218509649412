// The realtime contract in one place: the api's gateway, its Redis adapter and the worker's emitter all read it,
// so a room name or the adapter's channel can never differ between the process that joins and the one that emits.

/** The socket.io namespace of chat (docs/realtime.md). */
export const CHAT_NAMESPACE = '/chat';

/** `conversation` is joined once authorized; `user` and `apiKey` at the handshake, to disconnect on every instance. */
export const rooms = {
  conversation: (id: string): string => `conversation:${id}`,
  user: (id: string): string => `user:${id}`,
  apiKey: (id: string): string => `api-key:${id}`,
};

/** The Redis channel prefix shared by the api instances' socket.io adapter and every emitter. */
export function socketIoAdapterKey(redisPrefix: string): string {
  return `${redisPrefix}:socket.io`;
}
