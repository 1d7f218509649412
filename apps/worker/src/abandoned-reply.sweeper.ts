import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AbandonedReplies } from '@app/chat';
import { AppConfig } from '@app/config';

/**
 * Settles replies left streaming by an api that died and that no client rejoins, so history never shows them
 * streaming forever and their conversations are free again. Idempotent (a reply is failed only while still
 * streaming), so every worker may run it, on the reconciler's interval.
 */
@Injectable()
export class AbandonedReplySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AbandonedReplySweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly replies: AbandonedReplies,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.replies
        .sweep()
        .then((failed) => {
          if (failed > 0) this.logger.log(`Settled ${failed} replies abandoned by a stopped api`);
        })
        .catch((error: unknown) => this.logger.warn(`Abandoned-reply sweep failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    }, this.config.batches.reconcileIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
