import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser, Public, Roles } from '@app/auth';
import { NodeHeartbeatDto } from './dto/node-heartbeat.dto';
import { NodeHeartbeatResponse, NodeResponse, RegisteredNodeResponse } from './dto/node.response';
import { RegisterNodeDto } from './dto/register-node.dto';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@Controller('v1/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @ApiBearerAuth()
  @Roles('operator')
  @Post()
  @ApiCreatedResponse({ type: RegisteredNodeResponse })
  register(@CurrentUser() user: AuthUser, @Body() dto: RegisterNodeDto): Promise<RegisteredNodeResponse> {
    return this.nodes.register(user, dto);
  }

  @Public()
  @Get()
  @ApiOkResponse({ type: [NodeResponse] })
  async list(): Promise<{ data: NodeResponse[] }> {
    return { data: await this.nodes.list() };
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
