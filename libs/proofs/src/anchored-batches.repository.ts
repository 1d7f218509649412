import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import type { SettlementBatch } from '@app/database';

export type AnchoredBatch = Pick<SettlementBatch, 'id' | 'number' | 'count' | 'blockNumber'> & {
  root: string;
};

/** Batches recorded as anchored on one contract of one chain, for putting them back on a chain that forgot them. */
@Injectable()
export class AnchoredBatchesRepository {
  constructor(private readonly prisma: PrismaService) {}

  async latest(chainId: number, contract: string): Promise<AnchoredBatch | null> {
    const [batch] = await this.list(chainId, contract, 'desc', 1);
    return batch ?? null;
  }

  /** In batch order, the order they were first anchored in. */
  all(chainId: number, contract: string): Promise<AnchoredBatch[]> {
    return this.list(chainId, contract, 'asc');
  }

  async moveAnchoring(id: string, txHash: string, blockNumber: number): Promise<void> {
    await this.prisma.settlementBatch.update({ where: { id }, data: { txHash, blockNumber } });
  }

  private async list(
    chainId: number,
    contract: string,
    order: 'asc' | 'desc',
    take?: number,
  ): Promise<AnchoredBatch[]> {
    const rows = await this.prisma.settlementBatch.findMany({
      where: { status: 'anchored', chainId, contract, root: { not: null } },
      orderBy: { number: order },
      select: { id: true, number: true, count: true, blockNumber: true, root: true },
      take,
    });
    return rows.flatMap((row) => (row.root ? [{ ...row, root: row.root }] : []));
  }
}
