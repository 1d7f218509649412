import { getQueueToken } from '@nestjs/bullmq';
import { Provider } from '@nestjs/common';
import { watchBullMqConnection } from '@app/redis';
import type { Queue } from 'bullmq';
import { QueueName } from './queue-names';

const QUEUE_CONNECTION_LOGGING = Symbol('QueueConnectionLogging');
const queueNames = Object.values(QueueName);

/**
 * Gives every registered queue a Redis error listener as soon as the queues exist (they are this factory's
 * dependencies): without one, BullMQ prints a stack for each reconnection attempt during an outage.
 */
export const queueConnectionLogging: Provider = {
  provide: QUEUE_CONNECTION_LOGGING,
  inject: queueNames.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]): true => {
    queues.forEach((queue, index) => watchBullMqConnection(queue, `queue ${queueNames[index]}`));
    return true;
  },
};
