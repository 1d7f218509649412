import { ProcessorOptions } from '@nestjs/bullmq';
import { PROCESSOR_METADATA } from '@nestjs/bullmq/dist/bull.constants';
import { DynamicModule, ForwardReference, Provider, Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { JOBS_BY_QUEUE, QueueName } from '@app/queue';

type ModuleEntry = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

/**
 * Start-up fails if a queue of the contract has no processor. The queues come from the `@Processor` metadata of the
 * providers the module tree registers, read before Nest builds anything, so a failed check opens no connection.
 */
export async function assertEveryQueueHandled(root: Type | DynamicModule): Promise<void> {
  const handled = new Set<string>();
  for (const provider of await providersOf(root, new Set())) {
    const target =
      typeof provider === 'function' ? provider : 'useClass' in provider ? provider.useClass : undefined;
    const options =
      target && (Reflect.getMetadata(PROCESSOR_METADATA, target) as ProcessorOptions | undefined);
    if (options && options.name) handled.add(options.name);
  }
  const missing = (Object.keys(JOBS_BY_QUEUE) as QueueName[]).filter((queue) => !handled.has(queue));
  if (missing.length > 0) throw new Error(`No processor for queue(s): ${missing.join(', ')}`);
}

async function providersOf(entry: ModuleEntry, seen: Set<unknown>): Promise<Provider[]> {
  const resolved = await entry;
  if ('forwardRef' in resolved) return providersOf((resolved.forwardRef as () => ModuleEntry)(), seen);
  const dynamic = 'module' in resolved ? resolved : undefined;
  const type = dynamic ? dynamic.module : (resolved as Type);
  if (seen.has(resolved)) return [];
  seen.add(resolved);
  const own = [...metadata<Provider>(type, MODULE_METADATA.PROVIDERS), ...(dynamic?.providers ?? [])];
  const imports = [...metadata<ModuleEntry>(type, MODULE_METADATA.IMPORTS), ...(dynamic?.imports ?? [])];
  for (const imported of imports) own.push(...(await providersOf(imported, seen)));
  return own;
}

function metadata<T>(type: Type, key: string): T[] {
  return (Reflect.getMetadata(key, type) as T[] | undefined) ?? [];
}
