import { Injectable } from '@nestjs/common';
import type { Prisma } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

/** An open transaction: repositories accept it so a service can write several of them atomically, in its order. */
export type Transaction = Prisma.TransactionClient;

export interface TransactionOptions {
  /** How long to wait for a pooled connection (Prisma's default is 2 s). */
  maxWaitMs?: number;
  timeoutMs?: number;
}

@Injectable()
export class Transactions {
  constructor(private readonly prisma: PrismaService) {}

  run<T>(work: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.prisma.$transaction(work, { maxWait: options.maxWaitMs, timeout: options.timeoutMs });
  }
}
