import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '@app/auth/auth-user';
import { CurrentUser, Public } from '@app/auth/decorators';
import { IssueTokensDto, IssueTokensResponse } from './dto/issue-tokens.dto';
import { AppConfig } from '@app/config';
import { IssuerKeyStore } from './issuer-key.store';
import { PrivacyTokensService } from './privacy-tokens.service';
import { TOKEN_TYPE_BLIND_RSA } from './token';

export interface IssuerDirectory {
  'issuer-request-uri': string;
  'token-keys': { 'token-type': number; 'token-key': string }[];
  /** Not in RFC 9578's directory: the issuer_name a client must put in its TokenChallenge (PRIVACY_ISSUER_NAME). */
  'issuer-name': string;
}

@ApiTags('privacy')
@Controller()
export class PrivacyTokensController {
  constructor(
    private readonly tokens: PrivacyTokensService,
    private readonly keys: IssuerKeyStore,
    private readonly config: AppConfig,
  ) {}

  @ApiBearerAuth()
  @Post('v1/privacy/tokens')
  @HttpCode(200)
  @ApiOkResponse({ type: IssueTokensResponse })
  async issue(@CurrentUser() user: AuthUser, @Body() dto: IssueTokensDto): Promise<IssueTokensResponse> {
    const responses = await this.tokens.issue(
      user,
      dto.tokenRequests.map((request) => Buffer.from(request, 'base64url')),
    );
    return { tokenResponses: responses.map((response) => Buffer.from(response).toString('base64url')) };
  }

  /** RFC 9578 §4 issuer directory; token-key is base64url "including padding" as §4 says. */
  @Public()
  @Get('v1/privacy/token-issuer')
  @Header('Cache-Control', 'public, max-age=3600')
  directory(): IssuerDirectory {
    return this.directoryBody();
  }

  @Public()
  @Get('.well-known/private-token-issuer-directory')
  @Header('Cache-Control', 'public, max-age=3600')
  @Header('Content-Type', 'application/private-token-issuer-directory')
  wellKnownDirectory(): string {
    return JSON.stringify(this.directoryBody());
  }

  private directoryBody(): IssuerDirectory {
    const tokenKey = this.keys.key.spki.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    return {
      'issuer-request-uri': '/v1/privacy/tokens',
      'token-keys': [{ 'token-type': TOKEN_TYPE_BLIND_RSA, 'token-key': tokenKey }],
      'issuer-name': this.config.privacy.issuerName,
    };
  }
}
