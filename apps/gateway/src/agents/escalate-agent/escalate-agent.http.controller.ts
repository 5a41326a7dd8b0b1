import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { EscalateAgentRequestDto, type AgentView } from '@immune/contracts';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import type { GatewayResponse } from '../../common/http-types';
import { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { Caller } from '../../keys/api-key.service';
import { ApiAgentWrite, ApiJsonBody, ref } from '../../openapi/api-docs.decorators';
import { AgentIdPipe } from '../agent-id.pipe';
import { writeAgent } from '../agent-write';

@ApiTags('agents')
@Controller('agents')
export class EscalateAgentHttpController {
  constructor(private readonly commands: AgentCommandHandler) {}

  @Post(':agentId/escalate')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Escalate a quarantine one step', description: 'Needs `operator`: restricted → suspended → terminated; the last step needs `admin` (403 QUARANTINE.TERMINATE_REQUIRES_ADMIN otherwise). 409 QUARANTINE.NOT_ACTIVE.' })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiJsonBody('EscalateAgentRequest')
  @ApiResponse({ status: 200, description: 'The agent as reads now show it (read-your-writes), with its new ETag.', schema: ref('AgentView') })
  @ApiAgentWrite()
  run(
    @Param('agentId', AgentIdPipe) agentId: string,
    @Body() body: EscalateAgentRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AgentView> {
    return writeAgent(this.commands, res, agentId, caller, { type: 'EscalateAgent', reason: body.reason, mayTerminate: caller.role === 'admin' }, { ifMatch, idempotencyKey });
  }
}
