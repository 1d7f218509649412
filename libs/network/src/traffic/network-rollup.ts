import { Injectable } from '@nestjs/common';
import { NetworkTrafficRepository } from './network-traffic.repository';

/** Records per transaction: a pass holds the watermark lock briefly however far behind the rollup is. */
export const ROLLUP_BATCH = 5_000;
/**
 * Records younger than this are left for a later pass: a reply's record committed late with an earlier createdAt
 * than one already folded would otherwise be skipped for good.
 */
export const ROLLUP_SETTLE_MS = 10_000;

@Injectable()
export class NetworkRollup {
  constructor(private readonly traffic: NetworkTrafficRepository) {}

  /** Folds everything settled, pass by pass; returns how many records it passed. */
  async run(settleMs = ROLLUP_SETTLE_MS, batch = ROLLUP_BATCH): Promise<number> {
    let total = 0;
    for (;;) {
      const folded = await this.traffic.fold(batch, settleMs);
      total += folded;
      if (folded < batch) return total;
    }
  }
}
