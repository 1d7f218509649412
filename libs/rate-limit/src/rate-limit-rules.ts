import type { AppConfig } from '@app/config';

export interface RateLimitRule {
  bucket: string;
  limit: number;
  /** Whole seconds: counters expire in Redis by the second. */
  windowMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export function rateLimitRules(
  limits: AppConfig['limits'],
  network: Pick<AppConfig['network'], 'registrationsPerHour'>,
  hub: Pick<AppConfig['hub'], 'publishPerHour'>,
) {
  return {
    api: { bucket: 'api', limit: limits.requestsPerMinute, windowMs: MINUTE },
    signup: { bucket: 'signup', limit: limits.signupsPerHour, windowMs: HOUR },
    /** Every socket.io connection, whatever namespace it asks for, per address. */
    socketHandshake: { bucket: 'socket-handshake', limit: limits.socketConnectsPerMinute, windowMs: MINUTE },
    /** /chat handshakes per address, before the key is looked up, then per user. */
    chatHandshake: { bucket: 'chat-handshake', limit: limits.socketConnectsPerMinute, windowMs: MINUTE },
    chatConnect: { bucket: 'chat-connect', limit: limits.chatConnectsPerMinute, windowMs: MINUTE },
    chatEvent: { bucket: 'chat-event', limit: limits.chatEventsPerMinute, windowMs: MINUTE },
    /** Chat messages per user, whichever transport sends them. */
    chatSend: { bucket: 'chat-send', limit: limits.chatSendsPerMinute, windowMs: MINUTE },
    conversationStart: { bucket: 'conversation-start', limit: limits.conversationsPerHour, windowMs: HOUR },
    nodeRegister: { bucket: 'node-register', limit: network.registrationsPerHour, windowMs: HOUR },
    /** Model publications per account: each one is a signed version kept forever. */
    hubPublish: { bucket: 'hub-publish', limit: hub.publishPerHour, windowMs: HOUR },
  } satisfies Record<string, RateLimitRule>;
}

export type RateLimitName = keyof ReturnType<typeof rateLimitRules>;
