import { Module } from '@nestjs/common';
import { IssuerKeyStore } from './issuer-key.store';
import { PrivacyTokensController } from './privacy-tokens.controller';
import { PrivacyTokensService } from './privacy-tokens.service';
import { SpentTokensRepository } from './spent-tokens.repository';

/** Privacy Pass issuance and redemption (token type 2). Needs ConfigModule and RedisModule (both global). */
@Module({
  controllers: [PrivacyTokensController],
  providers: [IssuerKeyStore, PrivacyTokensService, SpentTokensRepository],
  exports: [PrivacyTokensService, IssuerKeyStore],
})
export class PrivacyTokensModule {}
