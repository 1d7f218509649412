import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, type Transaction, type VerificationLevel } from '@app/database';

export interface InferenceRecordData {
  id: string;
  messageId: string;
  conversationId: string;
  modelId: string;
  verification: VerificationLevel;
  status: 'pending' | 'unverified';
  input: Prisma.InputJsonValue;
  inputHash: string;
  outputHash: string;
  /** The receipt's salt (v2 and v3): stored so participants, and the proofs worker, can recompute both hashes. */
  salt: string;
  personaVersionHash: string;
  memoryIds: string[];
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  totalMs: number;
  startedAt: Date;
  finishedAt: Date;
  nodeId: string;
  receipt: Prisma.InputJsonValue;
  digest: string;
  previousDigest: string;
  signature: string;
  signer: string;
  /** Taken over mid-reply (receipt v3): the node that streamed the first prefixBytes (UTF-8) and failed. */
  prefixNodeId: string | null;
  prefixBytes: number | null;
  /** Stop, sampling and response format as sent to the node (reply-recorder's recordedGeneration); null if unknown. */
  generation: Prisma.InputJsonObject | null;
}

@Injectable()
export class ReplyRecordsRepository {
  constructor(private readonly prisma: PrismaService) {}

  currentChainHead(conversationId: string): Promise<string | null> {
    return this.chainHead(this.prisma, conversationId);
  }

  /** The digest of the conversation's newest receipt, which the next receipt chains to; null for the first. */
  async chainHead(tx: Transaction, conversationId: string): Promise<string | null> {
    const last = await tx.inferenceRecord.findFirst({
      where: { conversationId, digest: { not: null } },
      // By the reply's seq, not a timestamp: two fast turns can finish within the same millisecond.
      orderBy: { message: { seq: 'desc' } },
      select: { digest: true },
    });
    return last?.digest ?? null;
  }

  async create(tx: Transaction, record: InferenceRecordData): Promise<void> {
    const { generation, ...rest } = record;
    // Prisma writes SQL NULL into a Json column only when told so explicitly.
    await tx.inferenceRecord.create({ data: { ...rest, generation: generation ?? Prisma.DbNull } });
  }
}
