import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@app/auth';
import type { Response } from 'express';
import { DataExport, DataExportRepository } from './data-export.repository';

@ApiTags('memory')
@ApiBearerAuth()
@Controller('v1/me')
export class DataExportController {
  constructor(private readonly exports: DataExportRepository) {}

  @Get('export')
  @ApiOkResponse({
    description:
      'Everything the platform holds about the caller: account, keys (not their secrets), personas, conversations, memories',
  })
  async export(
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DataExport> {
    response.setHeader('Content-Disposition', `attachment; filename="twinproof-${user.handle}.json"`);
    return { exportedAt: new Date(), ...(await this.exports.collect(user.id)) };
  }
}
