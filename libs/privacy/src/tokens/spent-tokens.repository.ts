import { Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';

/** The nonces of spent tokens (docs/privacy.md): the one record that a token has paid. */
@Injectable()
export class SpentTokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** true the first time a nonce is spent; false when it was spent before (one statement, safe under races). */
  async spend(nonce: Uint8Array): Promise<boolean> {
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO "SpentPrivacyToken" (nonce) VALUES (${Buffer.from(nonce)}) ON CONFLICT (nonce) DO NOTHING`;
    return inserted === 1;
  }
}
