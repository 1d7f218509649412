import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import { NodeHeartbeatDto } from './dto/node-heartbeat.dto';
import { NodeEconomicsQuery } from './economics/dto/node-economics.query';
import { NodeEconomicsResponse } from './economics/dto/node-economics.response';
import { NodeEconomicsService } from './economics/node-economics.service';
import { ListNodesQuery } from './dto/list-nodes.query';
import { NodeHeartbeatResponse, NodesPageResponse, RegisteredNodeResponse } from './dto/node.response';
import { RegisterNodeDto } from './dto/register-node.dto';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@Controller('v1/nodes')
export class NodesController {
  constructor(
    private readonly nodes: NodesService,
    private readonly economics: NodeEconomicsService,
  ) {}

  @ApiBearerAuth()
  @Roles('operator')
  @Post()
  @ApiCreatedResponse({ type: RegisteredNodeResponse })
  register(@CurrentUser() user: AuthUser, @Body() dto: RegisterNodeDto): Promise<RegisteredNodeResponse> {
    return this.nodes.register(user, dto);
  }

  @Public()
  @Get()
  @ApiOkResponse({ type: NodesPageResponse })
  list(@Query() query: ListNodesQuery): Promise<NodesPageResponse> {
    return this.nodes.list(query);
  }

  // Public like GET /v1/network, which already publishes each node's requests and tokens: nothing here is private
  // (the costs are the caller's own assumptions), and someone deciding whether to run a node may read what existing
  // nodes earn. Every figure comes from a few bounded aggregates (docs/network.md, Operator economics).
  @Public()
  @Get(':id/economics')
  @ApiOkResponse({
    type: NodeEconomicsResponse,
    description: 'Measured traffic and uptime, costs, ROI, payback, downside scenarios, sensitivity',
  })
  economicsOf(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: NodeEconomicsQuery,
  ): Promise<NodeEconomicsResponse> {
    const { window, ...assumptions } = query;
    return this.economics.report(id, window, assumptions);
  }

  // No API key: the node signs the heartbeat with its own key.
  @Public()
  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiOkResponse({ type: NodeHeartbeatResponse })
  heartbeat(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: NodeHeartbeatDto,
  ): Promise<NodeHeartbeatResponse> {
    return this.nodes.heartbeat(id, dto);
  }

  @ApiBearerAuth()
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: the node is never routed to again' })
  async revoke(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.nodes.revoke(user, id);
  }
}
