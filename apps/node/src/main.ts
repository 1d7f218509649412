import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TsmReportError } from '@app/attestation';
import { createRootLogger, installProcessSafetyNet, nestLogger } from '@app/common';
import type { AddressInfo } from 'node:net';
import { NodeDrain } from './node-drain';
import { NodeModule } from './node.module';
import { NodeOptionsError, parseNodeOptions, USAGE, wantsHelp } from './node-options';
import { NodePresence, RegistrationRefusedError } from './node-presence';

// A request is the prompt of one reply; a long history with a lorebook stays well under this.
const MAX_BODY = '4mb';

async function main(): Promise<void> {
  if (wantsHelp(process.argv.slice(2))) {
    console.log(USAGE);
    process.exit(0);
  }
  installProcessSafetyNet('Node');
  // The node has no AppConfig: its settings are its flags, or its environment, read once here.
  // eslint-disable-next-line no-restricted-properties
  const options = parseNodeOptions(process.argv.slice(2), process.env);
  const app = await NestFactory.create<NestExpressApplication>(NodeModule.register(options), {
    // The router credential signs the exact bytes of the body.
    rawBody: true,
    logger: nestLogger(createRootLogger({ ...options.log, app: 'node' })),
  });
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: MAX_BODY });
  await app.listen(options.port, options.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = options.publicUrl ?? `http://127.0.0.1:${port}`;
  const presence = app.get(NodePresence);
  const drain = app.get(NodeDrain);
  Logger.log(`Node listening on ${options.host}:${port} (public URL ${url})`, 'Node');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    Logger.log(`${signal}: taking no new inferences, finishing ${drain.outstanding} running`, 'Node');
    // Tell the api at once (the router stops choosing this node) while the running inferences finish.
    const [{ cut }] = await Promise.all([drain.drain(options.drainMs), presence.beat()]);
    presence.stop();
    if (cut > 0)
      Logger.warn(`${cut} inferences were still running after ${options.drainMs} ms and were cut`, 'Node');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await presence.start(url);
}

main().catch((error: unknown) => {
  const readable =
    error instanceof NodeOptionsError ||
    error instanceof RegistrationRefusedError ||
    error instanceof TsmReportError;
  console.error(readable ? error.message : error);
  process.exit(1);
});
