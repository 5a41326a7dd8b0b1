import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ResolutionRequestDto, type AgentView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import type { GatewayResponse } from '../../common/http-types';
import { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { Caller } from '../../keys/api-key.service';
import { ApiAgentWrite, ApiJsonBody, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { writeAgent } from '../agent-write';

@ApiTags('agents')
@Controller('agents')
export class TerminateAgentHttpController {
  constructor(private readonly commands: AgentCommandHandler) {}

  @Post(':agentId/terminate')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Terminate an agent (final)', description: 'Needs `admin`. Termination is final: later writes answer 409 AGENT.TERMINATED.' })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiJsonBody('ResolutionRequest')
  @ApiResponse({ status: 200, description: 'The agent as reads now show it (read-your-writes), with its new ETag.', schema: ref('AgentView') })
  @ApiAgentWrite()
  run(
    @Param('agentId', AgentIdPipe) agentId: string,
    @Body() body: ResolutionRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AgentView> {
    return writeAgent(this.commands, res, agentId, caller, { type: 'TerminateAgent', resolution: body.resolution }, { ifMatch, idempotencyKey });
  }
}
