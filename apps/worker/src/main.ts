import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { installProcessSafetyNet } from '@app/common';
import { createWorker } from './bootstrap';

installProcessSafetyNet('Worker');
createWorker()
  .then(() => {
    Logger.log('Worker consuming jobs', 'Worker');
    // A parent that forked this worker (npm start, the fault tests) learns it is ready.
    process.send?.({ ready: true });
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
    process.exit(1);
  });
