import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { NetworkReportResponse } from '../dto/network-report.response';
import { NetworkReportService } from './network-report.service';

@ApiTags('nodes')
@Controller('v1/network')
export class NetworkController {
  constructor(private readonly reports: NetworkReportService) {}

  @Public()
  @Get()
  @ApiOkResponse({
    type: NetworkReportResponse,
    description: 'Who serves the traffic: shares, HHI, Nakamoto, warnings',
  })
  report(): Promise<NetworkReportResponse> {
    return this.reports.report();
  }
}
