// Types for processor.js, which stays plain CommonJS so that Artillery can load it without the monorepo's build.
import type { EventEmitter } from 'node:events';

export interface ArtilleryContext {
  vars: Record<string, unknown>;
  sockets?: Record<string, unknown>;
}
export type Done = (error?: Error) => void;

export function preparePersona(context: ArtilleryContext, events: EventEmitter, done: Done): void;
export function pickUser(context: ArtilleryContext, events: EventEmitter, done: Done): void;
export function recordHttp(
  requestParams: { url: string },
  response: { statusCode: number; timings?: { phases?: { total?: number } } },
  context: ArtilleryContext,
  events: EventEmitter,
  next: (error?: Error) => void,
): void;
export function sendTurn(context: ArtilleryContext, events: EventEmitter, done: Done): void;
