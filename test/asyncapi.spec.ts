import { ChatGateway } from '@app/chat/chat.gateway';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import 'reflect-metadata';

// docs/asyncapi.yaml is what socket.io clients are written against: it must name exactly the events the code
// handles and emits, so neither can change without the other.
const root = join(__dirname, '..');

interface Ref {
  $ref: string;
}
interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: Ref;
  messages: Ref[];
}
interface AsyncApiDocument {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  operations: Record<string, AsyncApiOperation>;
}

const doc = load(readFileSync(join(root, 'docs', 'asyncapi.yaml'), 'utf8')) as AsyncApiDocument;

function isRef(node: unknown): node is Ref {
  return typeof node === 'object' && node !== null && typeof (node as Ref).$ref === 'string';
}

/** Follows a local `#/a/b/c` reference inside the document, and the references it leads to. */
function resolve(ref: Ref): unknown {
  if (!ref.$ref.startsWith('#/')) throw new Error(`Only local references are used: ${ref.$ref}`);
  const target = ref.$ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
  return isRef(target) ? resolve(target) : target;
}

/** The socket.io event names of the operations the server performs with `action` (AsyncAPI: the server's view). */
function documentedEvents(action: 'send' | 'receive'): string[] {
  return Object.values(doc.operations)
    .filter((operation) => operation.action === action)
    .flatMap((operation) => operation.messages.map((ref) => (resolve(ref) as { name: string }).name))
    .sort();
}

/** The keys of libs/realtime's ServerToClientEvents interface, read from its source (a type has no runtime form). */
function serverToClientEvents(): string[] {
  const path = join(root, 'libs', 'realtime', 'src', 'realtime-events.ts');
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const map = source.statements.find(
    (node): node is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(node) && node.name.text === 'ServerToClientEvents',
  );
  if (!map) throw new Error('ServerToClientEvents not found in libs/realtime');
  return map.members
    .map((member) => member.name)
    .filter((name): name is ts.StringLiteral => name !== undefined && ts.isStringLiteral(name))
    .map((name) => name.text)
    .sort();
}

/** The events the gateway subscribes to, from Nest's @SubscribeMessage metadata. */
function gatewayEvents(): string[] {
  const prototype = ChatGateway.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(prototype)
    .map((key) => prototype[key])
    .filter((member): member is object => typeof member === 'function')
    .map((handler): unknown => Reflect.getMetadata(MESSAGE_METADATA, handler))
    .filter((event): event is string => typeof event === 'string')
    .sort();
}

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3 document for the /chat namespace', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    expect(Object.values(doc.channels).map((channel) => channel.address)).toEqual(['/chat']);
  });

  it('lists exactly the server→client events of the realtime event map', () => {
    const emitted = serverToClientEvents();
    expect(emitted.length).toBeGreaterThan(0);
    expect(documentedEvents('send')).toEqual(emitted);
  });

  it('lists exactly the client→server events the chat gateway handles', () => {
    const handled = gatewayEvents();
    expect(handled.length).toBeGreaterThan(0);
    expect(documentedEvents('receive')).toEqual(handled);
  });

  it('resolves every reference it holds', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) expect(resolve({ $ref: ref.slice(8, -1) })).toBeDefined();
  });
});
