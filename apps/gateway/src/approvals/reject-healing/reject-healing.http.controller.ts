import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealingDecisionRequestDto, type AgentView } from '@immune/contracts';
import { AgentIdPipe } from '../../agents/agent-id.pipe';
import { writeAgent } from '../../agents/agent-write';
import { CurrentCaller, RequireRole } from '../../auth/auth.decorators';
import { AgentCommandHandler } from '../../commands/agent-command.handler';
import type { GatewayResponse } from '../../common/http-types';
import type { Caller } from '../../keys/api-key.service';
import { ApiAgentWrite, ref } from '../../openapi/api-docs.decorators';

@ApiTags('approvals')
@Controller('approvals')
export class RejectHealingHttpController {
  constructor(private readonly commands: AgentCommandHandler) {}

  @Post(':agentId/reject')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reject healing of a quarantined agent',
    description:
      'Needs `operator`. Refuses healing for a quarantine that waits for approval (`approval: pending`): the agent stays ' +
      'quarantined, not healed, with `approval: rejected`, until an operator says heal-now (`POST /agents/{id}/heal`). ' +
      '`reason` is recorded. 409 APPROVAL.NOT_PENDING when nothing waits for approval, 409 QUARANTINE.NOT_ACTIVE when the ' +
      'agent is not quarantined.',
  })
  @ApiParam({ name: 'agentId', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } })
  @ApiBody({ schema: ref('HealingDecisionRequest'), required: false })
  @ApiResponse({ status: 200, description: 'The agent as reads now show it (read-your-writes), with its new ETag.', schema: ref('AgentView') })
  @ApiAgentWrite()
  run(
    @Param('agentId', AgentIdPipe) agentId: string,
    @Body() body: HealingDecisionRequestDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: GatewayResponse,
    @Headers('if-match') ifMatch?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AgentView> {
    return writeAgent(this.commands, res, agentId, caller, { type: 'RejectHealing', reason: body?.reason ?? null }, { ifMatch, idempotencyKey });
  }
}
