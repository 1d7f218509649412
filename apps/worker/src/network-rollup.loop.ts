import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { NetworkRollup } from '@app/network';

/**
 * Folds new inference records into the hourly traffic counters GET /v1/network reads, off the reply path. Passes
 * take turns on the watermark's lock, so every worker may run it.
 */
@Injectable()
export class NetworkRollupLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NetworkRollupLoop.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly rollup: NetworkRollup,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.rollup
        .run()
        .then((folded) => {
          if (folded > 0) this.logger.debug(`Folded ${folded} inference records into node traffic`);
        })
        .catch((error: unknown) => this.logger.warn(`Network traffic rollup failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, this.config.network.rollupMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
