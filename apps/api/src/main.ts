import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { installProcessSafetyNet } from '@app/common';
import { AppConfig } from '@app/config';
import { createApi } from './bootstrap';

async function main(): Promise<void> {
  installProcessSafetyNet('Api');
  const config = AppConfig.fromProcessEnv();
  const app = await createApi(config);
  await app.listen(config.port, config.host);
  Logger.log(`API on ${config.publicUrl} (docs: ${config.publicUrl}/docs)`, 'Api');
}

main().catch((error: unknown) => {
  // Config errors are already readable; anything else gets its stack.
  console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
  process.exit(1);
});
