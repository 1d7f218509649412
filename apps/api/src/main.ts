import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { installProcessSafetyNet } from '@app/common';
import { AppConfig } from '@app/config';
import cluster from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createApi } from './bootstrap';
import { runApiCluster } from './cluster/api-cluster';
import { holdConnectionsUntilReady, isStickyWorker, serveStickyConnections } from './cluster/sticky-worker';

async function main(): Promise<void> {
  installProcessSafetyNet('Api');
  const config = AppConfig.fromProcessEnv();
  // API_PROCESSES > 1: this is the primary that owns the port, or one of the workers it hands connections to.
  if (config.apiProcesses > 1 && cluster.isPrimary) return runApiCluster(config);
  holdConnectionsUntilReady();
  const app = await createApi(config);
  if (isStickyWorker()) {
    // The primary owns the port: routes and gateways are ready after init, connections come over IPC.
    await app.init();
    serveStickyConnections(app.getHttpServer() as HttpServer);
    return;
  }
  await app.listen(config.port, config.host);
  Logger.log(`API on ${config.publicUrl} (docs: ${config.publicUrl}/docs)`, 'Api');
}

main().catch((error: unknown) => {
  // Config errors are already readable; anything else gets its stack.
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
